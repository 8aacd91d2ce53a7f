// The case page's presets: choosing one fills the action, rule, days and reason (still editable).
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var data = document.getElementById("mod-presets");
    var select = document.getElementById("id_act-preset");
    if (!data || !select) {
      return;
    }
    var presets = {};
    JSON.parse(data.textContent).forEach(function (preset) {
      presets[preset.id] = preset;
    });
    select.addEventListener("change", function () {
      var preset = presets[select.value];
      if (!preset) {
        return;
      }
      var set = function (id, value) {
        var field = document.getElementById(id);
        if (field && value !== "") {
          field.value = value;
        }
      };
      set("id_act-action", preset.action);
      set("id_act-rule", preset.rule);
      set("id_act-days", preset.days);
      set("id_act-reason", preset.reason);
    });
  });
})();
