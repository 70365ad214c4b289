// Users table: "select every user on this page" (hidden without JavaScript; the row boxes work
// on their own), kept in step with the row boxes.
(function () {
  var all = document.querySelector('[data-select-all]');
  if (!all) return;
  var boxes = Array.prototype.slice.call(document.querySelectorAll('input[name=ids][form=bulk]'));
  all.closest('label').hidden = false;
  function sync() {
    var checked = boxes.filter(function (b) { return b.checked; }).length;
    all.checked = checked === boxes.length && checked > 0;
    all.indeterminate = checked > 0 && checked < boxes.length;
  }
  all.addEventListener('change', function () {
    boxes.forEach(function (b) { b.checked = all.checked; });
    sync();
  });
  boxes.forEach(function (b) { b.addEventListener('change', sync); });
  sync();
})();
