// zugong: small progressive enhancements; every page works without them.
(function () {
  "use strict";
  // Confirm before destructive actions: <button data-confirm="...">.
  document.addEventListener("click", function (event) {
    var el = event.target.closest("[data-confirm]");
    if (el && !window.confirm(el.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopPropagation();
    }
  });
  // Auto-submit filter forms when a select changes: <form data-autosubmit>.
  document.addEventListener("change", function (event) {
    var form = event.target.closest("form[data-autosubmit]");
    if (form && event.target.tagName === "SELECT") {
      form.requestSubmit();
    }
  });
  // A tree toggle flips its icon while its children are shown.
  document.addEventListener("htmx:afterRequest", function (event) {
    var btn = event.detail.elt;
    if (btn && btn.classList && btn.classList.contains("zg-tree-toggle")) {
      btn.setAttribute("aria-expanded", "true");
      var icon = btn.querySelector("i");
      if (icon) { icon.className = "bi bi-dash-square"; }
    }
  });
})();
