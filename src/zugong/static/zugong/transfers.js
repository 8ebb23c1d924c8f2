// 组织关系转接: the start form shows the fields of the chosen kind; the letter page's print button.
(function () {
  "use strict";
  function showKind() {
    var checked = document.querySelector('input[name="kind"]:checked');
    var kind = checked ? checked.value : "within";
    document.querySelectorAll("[data-kind]").forEach(function (el) {
      el.classList.toggle("d-none", el.getAttribute("data-kind") !== kind);
    });
  }
  document.addEventListener("change", function (event) {
    if (event.target.name === "kind") { showKind(); }
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) { window.print(); }
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", showKind);
  } else {
    showKind();
  }
})();
