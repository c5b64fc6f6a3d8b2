// With Clerk: clerk-js (loaded just before this file from the instance's Frontend API) keeps the short-lived
// __session cookie fresh while a page is open, and signs out through Clerk so the session ends everywhere.
(function () {
  'use strict';
  window.addEventListener('load', function () {
    if (!window.Clerk) return;
    window.Clerk.load().then(function () {
      document.querySelectorAll('form[data-clerk-sign-out]').forEach(function (form) {
        form.addEventListener('submit', function (event) {
          event.preventDefault();
          window.Clerk.signOut().then(function () { window.location.assign('/'); });
        });
      });
    });
  });
})();
