// Enrol forms: type part of a name and choose the person from the list (the browser's own
// list of an <input list>, so it works with the keyboard and screen readers). Without
// JavaScript the form still takes a name only one person has, or an e-mail address.
(function () {
  var inputs = document.querySelectorAll('input[data-people-search]');
  Array.prototype.forEach.call(inputs, function (input) {
    var list = document.getElementById(input.getAttribute('list'));
    if (!list) return;
    var timer = null;
    var asked = '';
    input.addEventListener('input', function () {
      var q = input.value.trim();
      if (q.length < 2 || q.indexOf('@') >= 0 || q === asked) return;
      clearTimeout(timer);
      timer = setTimeout(function () {
        asked = q;
        fetch('/api/v1/learning/people-search?q=' + encodeURIComponent(q), {
          credentials: 'same-origin',
          headers: { Accept: 'application/json' }
        })
          .then(function (res) { return res.ok ? res.json() : { items: [] }; })
          .then(function (found) {
            list.textContent = '';
            found.items.forEach(function (person) {
              var option = document.createElement('option');
              option.value = person.email;
              option.textContent = person.name + (person.department ? ' — ' + person.department : '');
              list.appendChild(option);
            });
          })
          .catch(function () {});
      }, 200);
    });
  });
})();
