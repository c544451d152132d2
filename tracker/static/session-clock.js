// The session's clock (templates/_session_clock.html, tracker/http/session_clock.py). A session ends after a while
// without a request, and some hours after login whatever happens. WCAG 2.2.1 (BITV 2.0) asks that nobody is
// surprised by that: this script warns before the end and renews the session with one button (Esc counts too),
// renews it quietly while the user types into a form, and when the session has ended anyway it keeps what was
// typed on this page in this browser tab (sessionStorage: gone with the tab) and puts it back on the same page
// after the next login, only for the same user. Without script the server ends sessions on time all the same.
(function () {
  "use strict";

  var DRAFTS = "tracker.drafts";
  var DRAFT_LIFETIME = 12 * 3600 * 1000; // older drafts are dropped, never put back
  var SKIPPED = ["password", "file", "submit", "button", "reset", "image"];

  function storage(kind) {
    try { return window[kind]; } catch (blocked) { return null; } // storage switched off: nothing is kept
  }

  // The forms that end a session on purpose: logging out, leaving the status page.
  function endsTheSession(form) {
    var action = (form.getAttribute && form.getAttribute("action")) || "";
    return /\/(logout|status\/leave)$/.test(action);
  }

  // Logging out or leaving the status page: what this tab kept goes too (the next person at a shared computer).
  document.addEventListener("submit", function (event) {
    if (endsTheSession(event.target) && storage("sessionStorage")) {
      storage("sessionStorage").removeItem(DRAFTS);
    }
  }, true);

  var dialog = document.getElementById("session-clock");
  if (!dialog || typeof dialog.showModal !== "function") {
    return;
  }
  var data = dialog.dataset;
  var idle = Number(data.idle) * 1000;
  var warnBefore = Number(data.warnBefore) * 1000;
  var renewEvery = Number(data.renewEvery) * 1000;
  var loaded = Date.now();
  var hardEnd = loaded + Number(data.hardLeft) * 1000;
  var seenKey = "tracker.session." + data.kind; // shared by this browser's tabs: a renewal in one counts in all
  var localRenewal = loaded - (idle - Number(data.idleLeft) * 1000);
  var state = null;
  var finalSeen = false;
  var endSeen = false; // the user closed the notice of the end: it comes back only when a form is sent
  var focusBefore = null;
  var renewing = false;

  function lastRenewal() {
    var shared = storage("localStorage");
    var stored = shared ? Number(shared.getItem(seenKey)) || 0 : 0;
    return Math.max(stored, localRenewal);
  }

  function renewed(at) {
    localRenewal = Math.max(localRenewal, at);
    var shared = storage("localStorage");
    if (shared && (Number(shared.getItem(seenKey)) || 0) < at) {
      shared.setItem(seenKey, String(at));
    }
  }
  renewed(localRenewal);

  function ends() { return Math.min(lastRenewal() + idle, hardEnd); }
  function hardFirst() { return hardEnd <= lastRenewal() + idle; }

  function minutes(ms) {
    var seconds = Math.max(0, Math.ceil(ms / 1000));
    var rest = seconds % 60;
    return Math.floor(seconds / 60) + ":" + (rest < 10 ? "0" : "") + rest;
  }

  function button(act) { return dialog.querySelector('[data-act="' + act + '"]'); }

  function text(kind) {
    return (data[kind] || "").replace("{time}", minutes(ends() - Date.now()));
  }

  function render() {
    var kept = state === "expired" && hasDrafts();
    document.getElementById("session-clock-heading").textContent = data[state + "Heading"];
    document.getElementById("session-clock-text").textContent =
      state === "expired" ? text(kept ? "expiredKeptText" : "expiredText") : text(state + "Text");
  }

  function show(next) {
    if (state === next) {
      render();
      return;
    }
    state = next;
    button("renew").hidden = next !== "warning";
    button("close").hidden = next !== "final";
    button("again").hidden = next !== "expired";
    render();
    if (!dialog.open) {
      focusBefore = document.activeElement;
      dialog.showModal();
    }
    var primary = button({ warning: "renew", final: "close", expired: "again" }[next]);
    primary.focus();
  }

  function hide() {
    state = null;
    if (dialog.open) {
      dialog.close();
    }
    if (focusBefore && typeof focusBefore.focus === "function") {
      focusBefore.focus();
    }
    focusBefore = null;
  }

  function expire() {
    saveDrafts();
    show("expired");
  }

  function tick() {
    var now = Date.now();
    if (now >= ends()) {
      if (state !== "expired" && !endSeen) {
        expire();
      }
      return;
    }
    if (hardFirst()) {
      if (now >= hardEnd - warnBefore && !finalSeen) {
        show("final");
      } else if (state === "final") {
        render();
      }
    } else if (now >= lastRenewal() + idle - warnBefore) {
      show("warning");
    } else if (state === "warning") {
      hide(); // renewed meanwhile, here or in another tab
    }
  }

  function renew(quietly) {
    if (renewing) {
      return;
    }
    renewing = true;
    var asked = Date.now();
    fetch(data.renewUrl, {
      method: "POST", credentials: "same-origin", redirect: "manual",
      headers: { "X-CSRFToken": data.csrf, "Accept": "application/json" }
    }).then(function (response) {
      renewing = false;
      if (response.ok) {
        renewed(asked);
        if (!quietly) {
          hide();
        }
      } else {
        expire(); // the server ended it (idle, the longest life, a logout elsewhere)
      }
    }, function () {
      renewing = false;
      if (!quietly) {
        document.getElementById("session-clock-text").textContent = data.renewFailedText;
      }
    });
  }

  button("renew").addEventListener("click", function () { renew(false); });
  button("close").addEventListener("click", function () { finalSeen = true; hide(); });
  button("again").addEventListener("click", saveDrafts);
  dialog.addEventListener("cancel", function (event) {
    // Esc: whoever presses it is here. Renew from the warning; the page stays readable after the end.
    if (state === "warning") {
      event.preventDefault();
      renew(false);
    } else if (state === "final") {
      finalSeen = true;
    } else {
      endSeen = true;
      state = null;
    }
  });

  // Typing into a form is activity the server does not see until the form is sent: renew now and then.
  document.addEventListener("input", function (event) {
    var now = Date.now();
    if (event.target.form && state === null && now < ends() && now - lastRenewal() >= renewEvery) {
      renew(true);
    }
  }, true);

  // A form sent after the end would only meet the login page: keep what was typed and say so instead.
  document.addEventListener("submit", function (event) {
    if (Date.now() >= ends() && !endsTheSession(event.target)) {
      event.preventDefault();
      expire();
    }
  }, true);

  window.addEventListener("storage", function (event) {
    if (event.key === seenKey) {
      tick();
    }
  });

  // --- what was typed ------------------------------------------------------------------------------------

  function postForms() {
    return Array.prototype.filter.call(document.forms, function (form) {
      return (form.getAttribute("method") || "get").toLowerCase() === "post";
    });
  }

  function address() { return window.location.pathname + window.location.search; }

  function hasDrafts() {
    var kept = storage("sessionStorage");
    try {
      var saved = kept && JSON.parse(kept.getItem(DRAFTS) || "null");
      return Boolean(saved && saved.page === data.page && saved.owner === data.owner);
    } catch (broken) {
      return false;
    }
  }

  function typedIn(form) {
    // A form the server gave back with a message shows what was typed as its values: all of them count.
    var refused = Boolean(form.querySelector('[aria-invalid="true"], .error-message'));
    var fields = [];
    Array.prototype.forEach.call(form.elements, function (element) {
      var type = (element.type || "").toLowerCase();
      if (!element.name || element.disabled || type === "hidden" || SKIPPED.indexOf(type) >= 0) {
        return;
      }
      if (type === "checkbox" || type === "radio") {
        if (refused || element.checked !== element.defaultChecked) {
          fields.push({ name: element.name, value: element.value, checked: element.checked });
        }
      } else if (element.tagName === "SELECT") {
        var options = Array.prototype.slice.call(element.options);
        if (refused || options.some(function (option) { return option.selected !== option.defaultSelected; })) {
          fields.push({ name: element.name, values: options.filter(function (option) { return option.selected; })
            .map(function (option) { return option.value; }) });
        }
      } else if (refused ? element.value !== "" : element.value !== element.defaultValue) {
        fields.push({ name: element.name, value: element.value });
      }
    });
    return fields;
  }

  function saveDrafts() {
    var kept = storage("sessionStorage");
    if (!kept || !data.page) {
      return;
    }
    var seen = {};
    var forms = [];
    postForms().forEach(function (form) {
      var action = form.getAttribute("action") || "";
      var nth = seen[action] = (seen[action] || 0) + 1;
      var fields = typedIn(form);
      if (fields.length) {
        // The case version the input was written against: sent with it, a colleague's change since is refused as
        // a conflict, never overwritten.
        var version = form.elements.namedItem("version");
        forms.push({ action: action, nth: nth, version: version ? version.value : null, fields: fields });
      }
    });
    if (forms.length) {
      kept.setItem(DRAFTS, JSON.stringify({ owner: data.owner, page: data.page, saved: Date.now(), forms: forms }));
    }
  }

  function put(form, field) {
    var named = Array.prototype.filter.call(form.elements, function (element) { return element.name === field.name; });
    if (!named.length) {
      return false;
    }
    if ("checked" in field) {
      var box = named.filter(function (element) { return element.value === field.value; })[0];
      if (!box) {
        return false;
      }
      box.checked = field.checked;
    } else if (field.values) {
      Array.prototype.forEach.call(named[0].options, function (option) {
        option.selected = field.values.indexOf(option.value) >= 0;
      });
    } else {
      named[0].value = field.value;
    }
    named[0].dispatchEvent(new Event("input", { bubbles: true }));
    return true;
  }

  function restoreDrafts() {
    var kept = storage("sessionStorage");
    var saved = null;
    try { saved = kept && JSON.parse(kept.getItem(DRAFTS) || "null"); } catch (broken) { saved = null; }
    if (!saved) {
      return;
    }
    if (saved.owner !== data.owner || Date.now() - saved.saved > DRAFT_LIFETIME) {
      kept.removeItem(DRAFTS); // another person's, or stale: never shown
      return;
    }
    if (saved.page !== address()) {
      return; // kept for its own page, which the login leads back to
    }
    kept.removeItem(DRAFTS);
    var unplaced = [];
    saved.forms.forEach(function (draft) {
      var form = postForms().filter(function (candidate) {
        return (candidate.getAttribute("action") || "") === draft.action;
      })[draft.nth - 1];
      draft.fields.forEach(function (field) {
        if (!form || !put(form, field)) {
          unplaced.push(field);
        }
      });
      if (form) {
        var version = form.elements.namedItem("version");
        if (version && draft.version !== null) {
          version.value = draft.version;
        }
        for (var open = form.parentElement; open; open = open.parentElement) {
          if (open.tagName === "DETAILS") {
            open.open = true;
          }
        }
      }
    });
    var notice = document.getElementById("drafts-restored");
    if (!notice) {
      return;
    }
    var texts = unplaced.filter(function (field) { return field.value && !("checked" in field); });
    if (texts.length) {
      var list = notice.querySelector("#drafts-unplaced ul");
      texts.forEach(function (field) {
        var item = document.createElement("li");
        item.textContent = field.value;
        list.appendChild(item);
      });
      notice.querySelector("#drafts-unplaced").hidden = false;
    }
    notice.hidden = false;
  }

  restoreDrafts();
  tick();
  setInterval(tick, 1000);
})();
