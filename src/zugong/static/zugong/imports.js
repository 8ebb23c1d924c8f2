// Import pages: the 确认导入 button stays disabled while the file has bad rows, until the user
// ticks 只导入无误的行 (the server checks the same thing). <input data-enables="BUTTON_ID">.
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var box = event.target.closest("[data-enables]");
    if (!box) { return; }
    var button = document.getElementById(box.getAttribute("data-enables"));
    if (button) { button.disabled = !box.checked; }
  });
})();
