// The seat of a signed-in person, seen from an open page: support's countdown banner before a
// scheduled sign-out, and the idle warning before the idle timeout frees the license. Both count
// down with the one Countdown below. Their markup (and the URLs, as data-* attributes) comes from
// templates/sessions_seats/_status_banner.html and _idle_warning.html.
(function () {
  "use strict";

  function formatClock(seconds) {
    var s = Math.max(0, Math.ceil(seconds));
    var m = Math.floor(s / 60), r = s % 60;
    return m + ":" + (r < 10 ? "0" : "") + r;
  }

  // "2 minutes", "1 minute 5 seconds", "10 seconds": the clock as a screen reader should say it.
  function durationWords(seconds) {
    var s = Math.max(0, Math.ceil(seconds));
    var m = Math.floor(s / 60), r = s % 60, words = [];
    if (m) words.push(m + (m === 1 ? " minute" : " minutes"));
    if (r || !m) words.push(r + (r === 1 ? " second" : " seconds"));
    return words.join(" ");
  }

  // Counts down locally from the server's "seconds left", which avoids trusting this computer's
  // clock: every second (and at once on start) onTick gets the seconds left, negative when past.
  function Countdown(onTick) {
    var deadline = null, ticker = null;

    function tick() {
      if (deadline !== null) onTick((deadline - Date.now()) / 1000);
    }

    return {
      start: function (secondsLeft) {
        deadline = Date.now() + secondsLeft * 1000;
        if (ticker === null) ticker = setInterval(tick, 1000);
        tick();
      },
      stop: function () {
        deadline = null;
        if (ticker !== null) { clearInterval(ticker); ticker = null; }
      }
    };
  }

  // Warns before the idle timeout frees this person's license. It listens to the status poll
  // ("foundry:session-status", which is not activity) and counts down locally from the server's
  // figure. Tabs tell each other through localStorage, so "Stay signed in" in one closes all.
  function idleWarning(dialog) {
    var clock = dialog.querySelector("[data-idle-countdown]");
    var announcer = dialog.querySelector("[data-idle-announce]");
    var csrf = dialog.getAttribute("data-csrf");
    var STAY_KEY = "foundry:stayed-signed-in";
    // The clock changes every second, which a screen reader must not read out each time: the live
    // region speaks when the dialog opens and as the time left passes these marks.
    var ANNOUNCE_AT = [60, 30, 10];
    var warnFor = 120, signingOut = false, marksLeft = [];
    var countdown = Countdown(tick);

    function announce(text) {
      if (announcer) announcer.textContent = text;
    }

    function leaveFor(url) {
      signingOut = true;
      window.foundryLeaving = true;  // no "unsaved changes" question: the seat is gone already
      window.location.assign(url);
    }

    function post(url) {
      return fetch(url, { method: "POST", credentials: "same-origin", cache: "no-store",
                          headers: { "X-CSRFToken": csrf, "Accept": "application/json" } })
        .then(function (response) {
          if (response.status === 401) {
            return response.json().then(function (body) {
              leaveFor(body.login_url + "?next=" + encodeURIComponent(window.location.pathname));
              return null;
            });
          }
          return response.ok ? response.json() : null;
        });
    }

    function close() {
      if (!dialog.open) return;
      dialog.close();
      announce("");
    }

    function open(left) {
      dialog.showModal();
      marksLeft = ANNOUNCE_AT.filter(function (mark) { return mark < Math.ceil(left); });
      announce("You will be signed out of this browser in " + durationWords(left) +
               " because it has been idle. Choose Stay signed in to keep your license.");
    }

    // Past several marks at once (a sleeping laptop wakes up): only the last one is worth saying.
    function announceMarks(left) {
      var passed = null;
      while (marksLeft.length && Math.ceil(left) <= marksLeft[0]) passed = marksLeft.shift();
      if (passed !== null) announce(durationWords(passed) + " left before you are signed out.");
    }

    function tick(left) {
      if (signingOut) return;
      if (left > warnFor) { close(); return; }
      clock.textContent = formatClock(left);
      if (!dialog.open) open(left);
      else announceMarks(left);
      if (left <= 0) {
        signingOut = true;
        post(dialog.getAttribute("data-sign-out-url")).then(function (status) {
          // Still here: the user was active in another tab meanwhile.
          signingOut = false;
          if (status) update(status);
        });
      }
    }

    function update(status) {
      if (status.idle_seconds_left === null) { countdown.stop(); close(); return; }
      warnFor = status.idle_warning_seconds;
      countdown.start(status.idle_seconds_left);
    }

    document.addEventListener("foundry:session-status", function (event) { update(event.detail); });

    dialog.querySelector("[data-stay]").addEventListener("click", function () {
      post(dialog.getAttribute("data-stay-url")).then(function (status) {
        if (!status) return;
        update(status);
        close();
        try { localStorage.setItem(STAY_KEY, String(Date.now())); } catch (e) { /* private mode */ }
      });
    });
    dialog.querySelector("[data-logout]").addEventListener("click", function () {
      window.foundryLeaving = true;
      document.getElementById("idle-warning-logout").submit();
    });
    // Escape would close the dialog without telling the server: make it mean "Stay signed in".
    dialog.addEventListener("cancel", function (event) {
      event.preventDefault();
      dialog.querySelector("[data-stay]").click();
    });
    window.addEventListener("storage", function (event) {
      if (event.key === STAY_KEY) {
        close();
        document.dispatchEvent(new CustomEvent("foundry:poll-status"));
      }
    });
  }

  // Polls the session status (which does not count as activity) and shows support's countdown.
  // Other scripts listen for "foundry:session-status" instead of polling themselves.
  function statusBanner(banner) {
    var clock = banner.querySelector("[data-countdown]");
    var url = banner.getAttribute("data-status-url");
    var IDLE_POLL_MS = 30000, COUNTDOWN_POLL_MS = 10000, DUE_POLL_MS = 3000;
    var pollTimer = null;
    var countdown = Countdown(function (left) {
      clock.textContent = formatClock(left);
      if (left <= 0) schedule(0);
    });

    function show(secondsLeft) {
      banner.hidden = false;
      countdown.start(secondsLeft);
    }

    function hide() {
      countdown.stop();
      banner.hidden = true;
    }

    function schedule(ms) {
      if (pollTimer !== null) clearTimeout(pollTimer);
      pollTimer = setTimeout(poll, ms);
    }

    function poll() {
      pollTimer = null;
      fetch(url, { credentials: "same-origin", cache: "no-store", headers: { "Accept": "application/json" } })
        .then(function (response) {
          if (response.status === 401) {
            // Signed out: load the page again, which lands on the sign-in page saying why.
            window.location.assign(window.location.href);
            return null;
          }
          return response.ok ? response.json() : null;
        })
        .then(function (status) {
          if (status === null) return schedule(IDLE_POLL_MS);
          document.dispatchEvent(new CustomEvent("foundry:session-status", { detail: status }));
          if (status.seconds_until_logout === null) {
            hide();
            return schedule(IDLE_POLL_MS);
          }
          show(status.seconds_until_logout);
          schedule(status.seconds_until_logout > 0 ? Math.min(COUNTDOWN_POLL_MS, status.seconds_until_logout * 1000) : DUE_POLL_MS);
        })
        .catch(function () { schedule(IDLE_POLL_MS); });
    }

    // Another script (the idle warning, another tab) may know the status changed: look again now.
    document.addEventListener("foundry:poll-status", function () { schedule(0); });

    poll();
  }

  // The idle warning listens before the banner's first poll can answer.
  var dialog = document.getElementById("idle-warning");
  if (dialog) idleWarning(dialog);
  var banner = document.getElementById("seat-status-banner");
  if (banner) statusBanner(banner);
})();
