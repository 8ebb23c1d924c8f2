// zugong organizational life: the meeting form shows what the chosen kinds need. Every part of
// the form works without this script (all sections are then simply visible).
(function () {
  "use strict";
  var form = document.querySelector("form[data-meeting-form]");
  if (!form) { return; }
  var quorumKinds = (form.getAttribute("data-quorum-kinds") || "").split(" ");
  var villageKinds = (form.getAttribute("data-village-kinds") || "").split(" ");

  function checkedKinds() {
    return Array.prototype.map.call(form.querySelectorAll("input[name=kinds]:checked"), function (el) { return el.value; });
  }
  function hasContent(section) {
    if (section.querySelector(".invalid-feedback")) { return true; }
    return Array.prototype.some.call(section.querySelectorAll("input[type=text], input[type=number], select, textarea"), function (el) {
      return el.name && el.name.indexOf("__prefix__") < 0 && el.value && el.type !== "hidden" && el.tagName !== "SELECT";
    });
  }
  function syncKinds() {
    var kinds = checkedKinds();
    form.querySelectorAll("[data-when]").forEach(function (section) {
      var when = section.getAttribute("data-when");
      var show;
      if (when === "village") { show = kinds.some(function (k) { return villageKinds.indexOf(k) >= 0; }); }
      else if (when === "votes") { show = kinds.some(function (k) { return quorumKinds.indexOf(k) >= 0; }); }
      else { show = kinds.indexOf(when) >= 0; }
      section.hidden = !(show || hasContent(section));
    });
  }
  function syncMode() {
    var mode = form.querySelector("input[name=mode]:checked");
    var value = mode ? mode.value : "roster";
    form.querySelectorAll("[data-mode]").forEach(function (el) { el.hidden = el.getAttribute("data-mode") !== value; });
  }
  // A 党小组会 on its own expects only that group's members.
  function groupOnly() {
    var kinds = checkedKinds();
    var group = form.querySelector("select[name=party_group]");
    return kinds.length === 1 && kinds[0] === "group_meeting" && group && group.value ? group.value : "";
  }
  function syncRoster() {
    var sum = form.querySelector("[data-roster-sum]");
    var counts = { present: 0, leave: 0, absent: 0 };
    var total = 0;
    var only = groupOnly();
    form.querySelectorAll(".zg-roster > li").forEach(function (li) {
      li.hidden = !!only && li.getAttribute("data-group") !== only;
      if (li.hidden) { return; }
      total += 1;
      var checked = li.querySelector("input[type=radio]:checked");
      var status = checked ? checked.value : "present";
      counts[status] += 1;
      var reason = li.querySelector(".zg-reason input");
      if (reason) {
        reason.required = status === "leave";
        li.classList.toggle("zg-on-leave", status === "leave");
      }
    });
    if (sum) { sum.textContent = "应到 " + total + " 人:出席 " + counts.present + ",请假 " + counts.leave + ",缺席 " + counts.absent; }
  }
  form.addEventListener("change", function (event) {
    var name = event.target.name || "";
    if (name === "kinds") { syncKinds(); syncRoster(); }
    if (name === "party_group") { syncRoster(); }
    if (name === "mode") { syncMode(); }
    if (name.indexOf("att_") === 0) { syncRoster(); }
  });
  var all = form.querySelector("[data-all-present]");
  if (all) {
    all.addEventListener("click", function () {
      form.querySelectorAll(".zg-roster input[type=radio][value=present]").forEach(function (el) { el.checked = true; });
      syncRoster();
    });
  }
  var add = form.querySelector("[data-add-vote]");
  var template = form.querySelector("template[data-vote-template]");
  var total = form.querySelector("input[name=votes-TOTAL_FORMS]");
  if (add && template && total) {
    add.addEventListener("click", function () {
      var n = parseInt(total.value, 10) || 0;
      var html = template.innerHTML.replace(/__prefix__/g, String(n));
      form.querySelector("[data-votes]").insertAdjacentHTML("beforeend", html);
      total.value = String(n + 1);
      var first = form.querySelector("[name='votes-" + n + "-subject']");
      if (first) { first.focus(); }
    });
  }
  syncKinds();
  syncMode();
  syncRoster();
})();
