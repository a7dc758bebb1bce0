// Leaves the work page as soon as its session is gone: the portal's back-channel logout ended it
// on the server, and nothing in the browser would notice until the next click.
(function () {
  "use strict";
  var script = document.currentScript;
  var statusUrl = script.dataset.statusUrl;
  var endedUrl = script.dataset.endedUrl;
  function check() {
    fetch(statusUrl, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (status) {
        if (status && status.signed_in === false) { window.location.assign(endedUrl); }
      })
      .catch(function () { /* The application is restarting: try again at the next tick. */ });
  }
  window.setInterval(check, 3000);
})();
