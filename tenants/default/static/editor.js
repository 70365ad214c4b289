// Dragging blocks in the module editor: on drop, the new order is posted as a normal form (the
// server checks it); the Up and Down buttons do the same for keyboard and screen-reader users.
(function () {
  "use strict";
  var list = document.querySelector("[data-sortable]");
  var form = document.getElementById("volgorde-form");
  if (!list || !form) return;
  var dragged = null;
  list.addEventListener("dragstart", function (e) {
    dragged = e.target.closest("[data-block]");
    if (!dragged) return;
    dragged.classList.add("dragging");
    e.dataTransfer.effectAllowed = "move";
    e.dataTransfer.setData("text/plain", dragged.dataset.block);
  });
  list.addEventListener("dragover", function (e) {
    if (!dragged) return;
    e.preventDefault();
    var over = e.target.closest("[data-block]");
    if (!over || over === dragged) return;
    var box = over.getBoundingClientRect();
    var after = e.clientY > box.top + box.height / 2;
    list.insertBefore(dragged, after ? over.nextSibling : over);
  });
  list.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("dragging");
  });
  list.addEventListener("drop", function (e) {
    if (!dragged) return;
    e.preventDefault();
    dragged.classList.remove("dragging");
    dragged = null;
    Array.prototype.forEach.call(list.querySelectorAll("[data-block]"), function (li) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = "order";
      input.value = li.dataset.block;
      form.appendChild(input);
    });
    form.submit();
  });
})();
