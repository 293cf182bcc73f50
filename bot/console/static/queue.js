// Keeps the queue page current: polls queue.json and reloads the page when the queue or "my
// cases" changed; otherwise only the waiting times are updated in place.
(function () {
  "use strict";
  var section = document.getElementById("queue");
  if (!section || !window.fetch) {
    return;
  }
  var url = section.getAttribute("data-queue-json") + window.location.search;
  var shown = section.getAttribute("data-signature");
  var seconds = parseInt(section.getAttribute("data-refresh"), 10) || 10;

  function update(data) {
    if (data.signature !== shown) {
      window.location.reload();
      return;
    }
    data.queue.forEach(function (item) {
      var cell = document.getElementById("wait-" + item.id);
      if (cell) {
        cell.textContent = item.waiting;
      }
    });
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.status === 401) {
          window.location.reload(); // the server sends the login page
          return null;
        }
        return response.ok ? response.json() : null;
      })
      .then(function (data) {
        if (data) {
          update(data);
        }
      })
      .catch(function () {
        // Offline for a moment: the next poll tries again.
      });
  }

  window.setInterval(poll, seconds * 1000);
})();
