// Behaviour shared by every portal page: the account menu and the unsaved-changes guard.
(function () {
  "use strict";

  // The account menu is a <details>: keyboard-usable as it is. Escape and clicks outside close it.
  var menu = document.getElementById("user-menu");
  if (menu) {
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && menu.open) {
        menu.open = false;
        menu.querySelector("summary").focus();
      }
    });
    document.addEventListener("click", function (event) {
      if (menu.open && !menu.contains(event.target)) menu.open = false;
    });
  }

  // Pages with unsaved form changes ask before the browser leaves them. Forms marked
  // data-no-leave-check (sign-in, searches) never count as unsaved work. Scripts that leave on
  // purpose (a sign-out) set window.foundryLeaving first: there is nothing left to save then.
  var dirty = new Set();
  document.querySelectorAll("form[method=post]:not([data-no-leave-check])").forEach(function (form) {
    form.addEventListener("input", function () { dirty.add(form); });
    form.addEventListener("change", function () { dirty.add(form); });
    form.addEventListener("submit", function () { dirty.delete(form); });
  });
  window.addEventListener("beforeunload", function (event) {
    if (dirty.size && !window.foundryLeaving) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
})();
