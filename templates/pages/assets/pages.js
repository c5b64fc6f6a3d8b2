// Progressive enhancement only: every page works without this file.
(function () {
  'use strict';
  document.documentElement.classList.add('js');
  document.addEventListener('DOMContentLoaded', function () {
    // The custom dates matter only with "Custom": hide them otherwise.
    var picker = document.querySelector('[data-range-picker]');
    if (picker) {
      var toggle = function () {
        var isCustom = picker.value === 'custom';
        document.querySelectorAll('[data-custom-range]').forEach(function (field) { field.classList.toggle('is-hidden', !isCustom); });
      };
      picker.addEventListener('change', toggle);
      toggle();
    }
    // One click, one request: a second click while the first sync is on its way would only be refused.
    document.querySelectorAll('[data-sync-form]').forEach(function (form) {
      form.addEventListener('submit', function () {
        var button = form.querySelector('button');
        if (button) { button.disabled = true; button.textContent = 'Asking…'; }
      });
    });
  });
})();
