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

// A menu item with a number waiting (the reviewer's "Inzendingen"): the page stays as it is
// (cached, no extra query); the number is fetched after it and shown as a badge, with its
// meaning for screen readers.
(function () {
  var link = document.querySelector("#hoofdmenu a[data-count]");
  if (!link || !window.fetch) return;
  fetch(link.getAttribute("data-count"), {
    credentials: "same-origin",
    headers: { Accept: "application/json" }
  })
    .then(function (res) { return res.ok ? res.json() : null; })
    .then(function (body) {
      var n = body && typeof body.waiting === "number" ? body.waiting : 0;
      if (n < 1) return;
      var badge = document.createElement("span");
      badge.className = "badge";
      badge.setAttribute("data-testid", "menu-count");
      badge.textContent = String(n);
      var words = document.createElement("span");
      words.className = "visually-hidden";
      words.textContent = " " + link.getAttribute("data-count-label");
      link.appendChild(document.createTextNode(" "));
      link.appendChild(badge);
      link.appendChild(words);
    })
    .catch(function () {});
})();
