// "Toon wachtwoord": shows or hides the password typed in the field the button names. Without
// JavaScript the buttons stay hidden and the fields work as usual.
(function () {
  document.querySelectorAll('[data-show-password]').forEach(function (button) {
    var field = document.getElementById(button.dataset.showPassword);
    if (!field) return;
    var show = button.textContent;
    var hide = document.documentElement.lang === 'en' ? 'Hide password' : 'Verberg wachtwoord';
    button.hidden = false;
    button.addEventListener('click', function () {
      var showing = field.type === 'text';
      field.type = showing ? 'password' : 'text';
      button.setAttribute('aria-pressed', showing ? 'false' : 'true');
      button.textContent = showing ? show : hide;
    });
  });
})();
