// Keeps the case page live: asks thread.json every few seconds for the entries after the last
// one shown and adds them (rendered by the server, with the page's own template), replaces the
// entries whose delivery changed, and updates the case's status. The page works without it.
(function () {
  "use strict";
  var thread = document.getElementById("thread");
  if (!thread || !window.fetch) {
    return;
  }
  var base = thread.getAttribute("data-thread-json");
  var seconds = parseInt(thread.getAttribute("data-poll"), 10) || 3;
  var after = parseInt(thread.getAttribute("data-after"), 10) || 0;
  var busy = false;

  function fromHtml(html) {
    var holder = document.createElement("template");
    holder.innerHTML = html.trim();
    return holder.content.firstElementChild;
  }

  function waiting() {
    // Entries whose delivery may still change: the server sends them again once it does.
    var ids = [];
    thread.querySelectorAll("[data-delivery=queued]").forEach(function (item) {
      ids.push(item.getAttribute("data-entry"));
    });
    return ids.join(",");
  }

  function show(data) {
    var empty = thread.querySelector(".empty");
    data.entries.forEach(function (entry) {
      if (entry.id <= after || document.getElementById("entry-" + entry.id)) {
        return;
      }
      if (empty) {
        empty.remove();
        empty = null;
      }
      thread.appendChild(fromHtml(entry.html));
      after = entry.id;
    });
    (data.changed || []).forEach(function (entry) {
      var shown = document.getElementById("entry-" + entry.id);
      if (shown) {
        shown.replaceWith(fromHtml(entry.html));
      }
    });
    var status = document.getElementById("case-status");
    if (status && status.getAttribute("data-status") !== data.status) {
      status.textContent = data.status_text;
      status.setAttribute("data-status", data.status);
    }
    document.dispatchEvent(new CustomEvent("case:state", { detail: data }));
  }

  function poll() {
    if (busy) {
      return Promise.resolve();
    }
    busy = true;
    var url = base + "?after=" + after + "&queued=" + waiting();
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          document.dispatchEvent(
            new CustomEvent("case:lost", { detail: { status: response.status } })
          );
          return null;
        }
        return response.json();
      })
      .then(function (data) {
        if (data) {
          show(data);
        }
      })
      .catch(function () {
        // Offline for a moment: the next poll tries again.
      })
      .then(function () {
        busy = false;
      });
  }

  window.casePage = { poll: poll };
  window.setInterval(poll, seconds * 1000);
})();
