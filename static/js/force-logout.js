// The force-logout confirmation (staff console): "Minutes of warning" matters only with the
// countdown, so it is shown, and marked required, only while the countdown is chosen. Without
// this script the field simply stays visible; the server checks it either way.
(function () {
  "use strict";
  var form = document.querySelector(".force-logout-form");
  var field = form && form.querySelector(".field-delay_minutes");
  var input = field && field.querySelector("input");
  if (!input) {
    return;
  }
  var label = field.querySelector("label");

  function update() {
    var chosen = form.querySelector('input[name="when"]:checked');
    var warn = chosen !== null && chosen.value === "warn";
    field.hidden = !warn;
    // A hidden field is not sent: signing out now posts no minutes at all.
    input.disabled = !warn;
    input.setAttribute("aria-required", warn ? "true" : "false");
    if (label) {
      label.classList.toggle("required", warn);
    }
  }

  form.addEventListener("change", function (event) {
    if (event.target.name === "when") {
      update();
    }
  });
  update();
})();
