// Keeps the case page live: asks thread.json every few seconds for the entries after the last
// one shown and adds them (rendered by the server, with the page's own template), replaces the
// entries whose delivery changed, and updates the case's status and priority. The page works
// without it.
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
    var priority = document.getElementById("case-priority");
    if (priority && !priority.classList.contains("prio-" + data.priority)) {
      // A crisis message made the case urgent while it was open.
      priority.className = "badge prio-" + data.priority;
      priority.textContent = data.priority_text;
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
        if (response.status >= 400 && response.status < 500) {
          // Out of reach now (transferred away, session ended): asking again would only fill
          // the audit log with refusals.
          window.clearInterval(timer);
          document.dispatchEvent(
            new CustomEvent("case:lost", { detail: { status: response.status } })
          );
          return null;
        }
        return response.ok ? response.json() : null;
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

  var timer = window.setInterval(poll, seconds * 1000);

  // Sending: the reply and the note go with fetch, so the page, the caseworker's place in it
  // and the reply box stay. Ctrl+Enter (Cmd+Enter) sends. A refused text stays in its box with
  // the reason; each box's draft is also kept in this browser until it is sent.
  var caseKey = "case-draft:" + base;
  var notice = document.getElementById("live-notice");

  function tell(key) {
    if (notice && notice.hidden) {
      notice.textContent = notice.getAttribute("data-" + key);
      notice.hidden = false;
    }
  }

  document.addEventListener("case:state", function (event) {
    if (!event.detail.open) {
      tell("closed");
    }
  });
  document.addEventListener("case:lost", function () {
    tell("lost");
  });

  function storage() {
    try {
      return window.localStorage;
    } catch (error) {
      return null; // storage refused by the browser's settings: drafts live in the box only
    }
  }

  function enhance(form) {
    var box = form.querySelector("textarea");
    var button = form.querySelector("button[type=submit]");
    var result = form.querySelector(".form-result");
    var key = caseKey + ":" + form.getAttribute("data-send");
    var store = storage();

    if (store) {
      // Text the server sent back (a refused action) wins over an older draft.
      if (!box.value && store.getItem(key)) {
        box.value = store.getItem(key);
      }
      box.addEventListener("input", function () {
        if (box.value) {
          store.setItem(key, box.value);
        } else {
          store.removeItem(key);
        }
      });
    }

    function say(text, failed) {
      result.textContent = text;
      result.classList.toggle("failed", failed);
      result.setAttribute("role", failed ? "alert" : "status");
    }

    box.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        form.requestSubmit();
      }
    });

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (button.disabled) {
        return;
      }
      button.disabled = true;
      say("", false);
      fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
        .then(function (response) {
          return response.json().then(function (data) {
            return { ok: response.ok, data: data };
          });
        })
        .then(function (answer) {
          if (answer.ok) {
            box.value = "";
            if (store) {
              store.removeItem(key);
            }
            say(answer.data.notice, false);
            return poll();
          }
          say(answer.data.error || form.getAttribute("data-offline"), true);
          return null;
        })
        .catch(function () {
          say(form.getAttribute("data-offline"), true);
        })
        .then(function () {
          button.disabled = false;
        });
    });
  }

  document.querySelectorAll("form[data-send]").forEach(enhance);
})();
