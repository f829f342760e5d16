// The plan form's "Add a goal" button: copy the formset's empty row and count it in TOTAL_FORMS.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-add-goal]");
  if (!button) return;
  var prefix = button.getAttribute("data-prefix");
  var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
  var max = document.getElementById("id_" + prefix + "-MAX_NUM_FORMS");
  var index = parseInt(total.value, 10);
  if (max && index >= parseInt(max.value, 10)) return;
  var template = document.getElementById("goal-empty-row");
  var html = template.innerHTML.replace(/__prefix__/g, String(index));
  document.getElementById("goal-rows").insertAdjacentHTML("beforeend", html);
  total.value = String(index + 1);
  var rows = document.getElementById("goal-rows").rows;
  var first = rows[rows.length - 1].querySelector("input");
  if (first) first.focus();
});
