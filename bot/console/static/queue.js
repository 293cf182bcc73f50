// Keeps the queue page current: polls queue.json and reloads the page when the queue or "my
// cases" changed; otherwise only the waiting times are updated in place. The tab's title shows
// how many cases wait. A new urgent or high-priority case raises a browser notification (once
// the caseworker allowed them with the button: never asked on load) and, if they switched it
// on, a short sound. An alert says the case number and the priority, nothing about the person.
(function () {
  "use strict";
  var section = document.getElementById("queue");
  if (!section || !window.fetch) {
    return;
  }
  var url = section.getAttribute("data-queue-json") + window.location.search;
  var shown = section.getAttribute("data-signature");
  var seconds = parseInt(section.getAttribute("data-refresh"), 10) || 10;
  var SEEN = "console.queue.seen"; // the case ids already announced, for this tab
  var SOUND = "console.alerts.sound"; // "on" when the caseworker wants the sound
  var ALERTED = { urgent: true, high: true };

  function text(name, values) {
    return section.getAttribute(name).replace(/\{(\w+)\}/g, function (all, key) {
      return values[key];
    });
  }

  function showCount(count) {
    document.title = text("data-title", { count: count });
  }

  function seenIds() {
    try {
      return JSON.parse(window.sessionStorage.getItem(SEEN));
    } catch (error) {
      return null;
    }
  }

  function beep() {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) {
      return;
    }
    var context = new Context();
    var tone = context.createOscillator();
    var volume = context.createGain();
    tone.frequency.value = 880;
    volume.gain.value = 0.2;
    tone.connect(volume);
    volume.connect(context.destination);
    tone.start();
    tone.stop(context.currentTime + 0.3);
  }

  function announce(queue) {
    var seen = seenIds();
    var ids = queue.map(function (item) {
      return item.id;
    });
    window.sessionStorage.setItem(SEEN, JSON.stringify(ids));
    if (seen === null) {
      return; // the first page of this tab: what waits is on screen, nothing is new
    }
    var fresh = queue.filter(function (item) {
      return ALERTED[item.priority] && seen.indexOf(item.id) < 0;
    });
    fresh.forEach(function (item) {
      if (window.Notification && Notification.permission === "granted") {
        var priority = section.getAttribute("data-priority-" + item.priority);
        new Notification(text("data-alert-title", { id: item.id }), {
          body: text("data-alert-body", { priority: priority }),
          tag: "case-" + item.id,
        });
      }
    });
    if (fresh.length && window.localStorage.getItem(SOUND) === "on") {
      beep();
    }
  }

  function showPermission() {
    var state = window.Notification ? Notification.permission : "denied";
    document.getElementById("alerts-allow").hidden = state !== "default";
    document.getElementById("alerts-on").hidden = state !== "granted";
    document.getElementById("alerts-blocked").hidden = state !== "denied" || !window.Notification;
  }

  function setUpAlerts() {
    var sound = document.getElementById("alerts-sound");
    document.getElementById("alerts").hidden = false;
    showPermission();
    document.getElementById("alerts-allow").addEventListener("click", function () {
      Notification.requestPermission().then(showPermission);
    });
    sound.checked = window.localStorage.getItem(SOUND) === "on";
    sound.addEventListener("change", function () {
      window.localStorage.setItem(SOUND, sound.checked ? "on" : "off");
      if (sound.checked) {
        beep(); // what it will sound like, and a gesture that lets the page play sound
      }
    });
  }

  function update(data) {
    showCount(data.queue.length);
    announce(data.queue);
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

  setUpAlerts();
  poll(); // at once: the title and the cases already announced
  window.setInterval(poll, seconds * 1000);
})();
