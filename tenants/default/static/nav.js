// The menu button of the phone layout: shows and hides the menu below the header (the CSS
// shows the button only on narrow screens). Escape closes the menu and returns to the button.
(function () {
  var button = document.querySelector(".menu-button");
  var nav = document.getElementById("hoofdmenu");
  if (!button || !nav) return;
  button.closest(".site-header").classList.add("has-menu");
  button.hidden = false;
  function set(open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    nav.classList.toggle("open", open);
  }
  button.addEventListener("click", function () {
    set(button.getAttribute("aria-expanded") !== "true");
  });
  nav.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
      set(false);
      button.focus();
    }
  });
})();
