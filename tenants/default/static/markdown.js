// Markdown for people who don't know Markdown, shared by the branding page and the block
// editor: a toolbar (bold, italic, heading, list, link) that wraps the selection, and a live
// preview built as DOM nodes (the text is never parsed as HTML; the saved page uses the
// server's renderer). Each `.md-toolbar[data-md-for=ID]` works on the textarea ID; a textarea
// with `data-md-preview` gets a preview below it that follows every change. Without
// JavaScript the textareas work as they are.
window.zkMarkdown = (function () {
  "use strict";
  var nl = document.documentElement.lang !== "en";

  function inline(parent, text, linkColour) {
    var re = /\*\*([^*]+)\*\*|\*([^*]+)\*|\[([^\]]+)\]\(([^)\s]+)\)/g;
    var last = 0, m;
    while ((m = re.exec(text))) {
      parent.append(text.slice(last, m.index));
      var el;
      if (m[1]) { el = document.createElement("strong"); el.textContent = m[1]; }
      else if (m[2]) { el = document.createElement("em"); el.textContent = m[2]; }
      else if (/^(https?:|mailto:|\/)/i.test(m[4])) {
        el = document.createElement("a"); el.textContent = m[3]; el.href = m[4];
        if (linkColour) el.style.color = linkColour;
      } else { el = document.createTextNode(m[3]); }
      parent.append(el);
      last = re.lastIndex;
    }
    parent.append(text.slice(last));
  }

  // Headings, lists, paragraphs and the inline marks above, into `target`.
  function render(target, markdown, linkColour) {
    target.replaceChildren();
    var list = null, para = null;
    markdown.split(/\r?\n/).forEach(function (line) {
      var t = line.trim();
      var heading = /^#{1,6}\s+(.*)$/.exec(t), item = /^[-*]\s+(.*)$/.exec(t);
      if (!t) { list = null; para = null; return; }
      if (heading) {
        var h = document.createElement("h3"); inline(h, heading[1], linkColour); target.append(h);
        list = null; para = null;
      } else if (item) {
        if (!list) { list = document.createElement("ul"); target.append(list); }
        var li = document.createElement("li"); inline(li, item[1], linkColour); list.append(li);
        para = null;
      } else {
        if (!para) { para = document.createElement("p"); target.append(para); } else { para.append(" "); }
        inline(para, t, linkColour);
        list = null;
      }
    });
  }

  // The toolbar `bar` wraps the selection of `area` (or a placeholder) in the Markdown for it.
  function toolbar(bar, area) {
    bar.hidden = false;
    bar.addEventListener("click", function (e) {
      var b = e.target.closest("[data-md]");
      if (!b) return;
      var s = area.selectionStart, end = area.selectionEnd, v = area.value;
      var sel = v.slice(s, end) || (nl ? "tekst" : "text");
      var lineStart = v.lastIndexOf("\n", s - 1) + 1;
      var kind = b.dataset.md, insert, from = s, to = end;
      if (kind === "bold") insert = "**" + sel + "**";
      else if (kind === "italic") insert = "*" + sel + "*";
      else if (kind === "link") insert = "[" + sel + "](https://)";
      else { from = to = lineStart; insert = kind === "heading" ? "## " : "- "; }
      area.setRangeText(insert, from, to, "end");
      area.focus();
      area.dispatchEvent(new Event("input", { bubbles: true }));
    });
  }

  document.querySelectorAll(".md-toolbar[data-md-for]").forEach(function (bar) {
    var area = document.getElementById(bar.dataset.mdFor);
    if (area) toolbar(bar, area);
  });
  document.querySelectorAll("textarea[data-md-preview]").forEach(function (area) {
    var box = document.createElement("div");
    box.className = "md-preview";
    box.setAttribute("data-testid", "md-preview");
    var label = document.createElement("p");
    label.className = "hint";
    label.textContent = nl ? "Zo ziet de deelnemer het:" : "This is how participants see it:";
    var body = document.createElement("div");
    body.className = "block-text";
    box.append(label, body);
    area.insertAdjacentElement("afterend", box);
    var update = function () { render(body, area.value); };
    area.addEventListener("input", update);
    update();
  });

  return { render: render };
})();
