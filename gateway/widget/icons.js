  // icons.js: the thumbs' pictures.
  // The thumbs are drawn here, not emoji: a system without an emoji font showed two identical boxes. A closed hand
  // with its thumb up, and a cuff; in the text's colour and size, and hidden from screen readers (the button is named).
  var THUMB = "M2 10h4v11H2zM8 10l4-7.5c1.8 0 3 1.3 2.6 3.1L13.8 9h5.7c1.5 0 2.5 1.4 2.1 2.8l-2 7.8c-.3.9-1 1.4-1.9 1.4H8z";

  function thumbIcon(down) {
    var SVG = "http://www.w3.org/2000/svg";
    var icon = document.createElementNS(SVG, "svg");
    var path = document.createElementNS(SVG, "path");
    var attrs = { viewBox: "0 0 24 24", width: "1.25em", height: "1.25em", "aria-hidden": "true", focusable: "false" };
    Object.keys(attrs).forEach(function (name) { icon.setAttribute(name, attrs[name]); });
    path.setAttribute("d", THUMB);
    path.setAttribute("fill", "currentColor");
    if (down) path.setAttribute("transform", "rotate(180 12 12)");
    icon.appendChild(path);
    return icon;
  }

