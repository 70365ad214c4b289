// Live preview for the branding page: colours and name update as the admin types, with the
// WCAG contrast ratio against white shown (the server enforces >= 4.5:1 on save).
(function () {
  "use strict";
  var form = document.getElementById("branding-form");
  var preview = document.getElementById("preview");
  if (!form || !preview) return;
  var primary = document.getElementById("primary_color");
  var accent = document.getElementById("accent_color");
  var name = document.getElementById("name");
  var out = document.getElementById("preview-contrast");
  var nl = document.documentElement.lang !== "en";

  function lum(hex) {
    var m = /^#?([0-9a-f]{6})$/i.exec(hex || "");
    if (!m) return null;
    var v = parseInt(m[1], 16);
    var ch = [(v >> 16) & 255, (v >> 8) & 255, v & 255].map(function (c) {
      c = c / 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * ch[0] + 0.7152 * ch[1] + 0.0722 * ch[2];
  }
  function ratio(hex) {
    var l = lum(hex);
    return l === null ? null : 1.05 / (l + 0.05);
  }
  function describe(label, hex) {
    var r = ratio(hex);
    if (r === null) return "";
    var ok = r >= 4.5;
    var n = r.toFixed(1).replace(".", nl ? "," : ".");
    return label + ": " + n + ":1 " + (ok ? (nl ? "(voldoende)" : "(sufficient)") : (nl ? "(te weinig, minimaal 4,5:1)" : "(too low, at least 4.5:1)"));
  }
  function update() {
    preview.style.setProperty("--zk-primary", primary.value);
    preview.style.setProperty("--zk-accent", accent.value);
    document.getElementById("preview-name").textContent = name.value;
    document.getElementById("preview-link").style.color = accent.value;
    document.getElementById("preview-button").style.backgroundColor = primary.value;
    document.getElementById("preview-button").style.borderColor = primary.value;
    document.getElementById("preview-header").style.backgroundColor = primary.value;
    out.textContent = describe(nl ? "Hoofdkleur" : "Primary colour", primary.value) + " · " +
      describe(nl ? "Accentkleur" : "Accent colour", accent.value);
  }
  [primary, accent, name].forEach(function (el) { el.addEventListener("input", update); });
  update();
})();
