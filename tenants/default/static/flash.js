// A message after a form (flash): focus moves to it, so screen readers read it out at once.
(function () {
  var flash = document.querySelector('[data-testid=flash]');
  if (flash) flash.focus();
})();
