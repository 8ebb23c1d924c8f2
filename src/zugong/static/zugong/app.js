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
// Org pickers (members/_org_picker.html): the htmx search lists orgs; choosing one fills the
// picker's hidden input and, on an auto-submitting filter form, submits it. Without a target input
// the results stay plain links (?org=CODE).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var item = event.target.closest("[data-pick-org]");
    if (!item) { return; }
    var picker = item.closest(".zg-org-picker");
    var input = picker && picker.dataset.input ? document.getElementById(picker.dataset.input) : null;
    if (!input) { return; }
    event.preventDefault();
    input.value = item.getAttribute("data-pick-org");
    var name = picker.querySelector(".zg-org-picker-name");
    if (name) { name.textContent = item.getAttribute("data-pick-name"); }
    var results = picker.querySelector(".zg-org-picker-results");
    if (results) { results.innerHTML = ""; }
    var search = picker.querySelector("input[type=search]");
    if (search) { search.value = ""; }
    var box = picker.querySelector(".zg-org-picker-box.collapse");
    if (box && window.bootstrap) { window.bootstrap.Collapse.getOrCreateInstance(box).hide(); }
    input.dispatchEvent(new Event("change", { bubbles: true }));
    if (input.form && input.form.hasAttribute("data-autosubmit")) { input.form.requestSubmit(); }
  });
  // Enter in a picker's search box searches instead of submitting the surrounding form.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.closest(".zg-org-picker input[type=search]")) {
      event.preventDefault();
      htmx.trigger(event.target, "search");
    }
  });
})();
// Org tree: children load once through htmx; later clicks only hide or show them.
(function () {
  "use strict";
  function setOpen(btn, open) {
    var list = document.getElementById(btn.getAttribute("aria-controls"));
    if (list) { list.hidden = !open; }
    btn.setAttribute("aria-expanded", open ? "true" : "false");
    var icon = btn.querySelector("i");
    if (icon) { icon.className = open ? "bi bi-dash-square" : "bi bi-plus-square"; }
  }
  document.addEventListener("click", function (event) {
    var btn = event.target.closest(".zg-tree-toggle[data-loaded]");
    if (btn) { setOpen(btn, btn.getAttribute("aria-expanded") !== "true"); }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var btn = event.detail.elt;
    if (btn && btn.classList && btn.classList.contains("zg-tree-toggle") && event.detail.successful) {
      btn.setAttribute("data-loaded", "1");
    }
  });
  // Picker search boxes belong to their own GET form (so Enter never submits the change itself);
  // with htmx the search refreshes the results in place instead of reloading the page.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!window.htmx || !form.hasAttribute || !form.hasAttribute("data-zg-search-form")) { return; }
    event.preventDefault();
    Array.prototype.forEach.call(form.elements, function (el) {
      if (el.hasAttribute("data-zg-search")) { window.htmx.trigger(el, "zg-search"); }
    });
  });
})();
// Account forms: the member's 公民身份号码 is asked only for the 党员 role.
(function () {
  "use strict";
  function sync(form) {
    var role = form.querySelector("select[name=role]");
    var member = form.querySelector(".zg-role-member");
    if (!role || !member) { return; }
    var needed = role.value === "member" || member.querySelector(".invalid-feedback");
    member.hidden = !needed;
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-account-form]").forEach(sync);
  });
  document.addEventListener("change", function (event) {
    var form = event.target.closest("form[data-account-form]");
    if (form && event.target.name === "role") { sync(form); }
  });
})();

// Buttons that print the page (inline handlers are barred by the content security policy).
document.addEventListener("click", function (event) {
  var button = event.target.closest && event.target.closest("[data-zg-print]");
  if (button) { window.print(); }
});
