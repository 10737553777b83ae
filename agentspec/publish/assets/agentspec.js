/* agentspec's own few lines of script: side-by-side code, sortable and filterable tables, links into tabs.
   No library, nothing loaded from elsewhere; every page works without it (the script only adds controls).
   Material re-renders pages with instant navigation off, so running once per load is enough. */
(function () {
  "use strict";

  function openTabOf(element) {
    /* A link to a line inside a hidden tab: select that tab first, so the line can be shown. */
    var block = element.closest(".tabbed-block");
    if (!block) return;
    var set = block.parentElement.parentElement;
    var index = Array.prototype.indexOf.call(block.parentElement.children, block);
    var inputs = set.querySelectorAll(":scope > input");
    if (inputs[index]) inputs[index].checked = true;
    var details = element.closest("details");
    while (details) { details.open = true; details = details.parentElement.closest("details"); }
  }

  function showHash() {
    var id = decodeURIComponent(location.hash.slice(1));
    var target = id && document.getElementById(id);
    if (!target) return;
    openTabOf(target);
    target.classList.add("as-target");
    target.scrollIntoView({ block: "center" });
  }

  function sideBySide(table) {
    var view = document.getElementById(table.getAttribute("data-sbs"));
    if (!view) return;
    var grid = view.querySelector(".as-sbs-grid");
    var diffs = view.querySelector(".as-sbs-diffs");
    function render() {
      var picked = table.querySelectorAll("input.as-pick:checked");
      grid.textContent = "";
      picked.forEach(function (input) {
        var source = document.querySelector('.as-entry[data-entry="' + input.value + '"]');
        if (!source) return;
        var column = document.createElement("div");
        column.className = "as-sbs-column";
        var title = document.createElement("p");
        title.className = "as-sbs-title";
        title.textContent = source.getAttribute("data-label");
        column.appendChild(title);
        var copy = source.cloneNode(true);
        copy.querySelectorAll("[id]").forEach(function (node) { node.removeAttribute("id"); });
        copy.querySelectorAll("details.as-diff-block").forEach(function (d) { d.open = diffs.checked; });
        column.appendChild(copy);
        grid.appendChild(column);
      });
      grid.style.setProperty("--as-columns", String(Math.max(picked.length, 1)));
      view.hidden = picked.length === 0;
    }
    table.querySelectorAll("input.as-pick").forEach(function (input) { input.addEventListener("change", render); });
    diffs.addEventListener("change", render);
    render();
  }

  function cellValue(row, index) {
    var cell = row.children[index];
    if (!cell) return "";
    var key = cell.getAttribute("data-sort");
    return key !== null ? key : cell.textContent.trim();
  }

  function sortable(table) {
    var heads = table.querySelectorAll("thead th");
    var body = table.querySelector("tbody");
    heads.forEach(function (head, index) {
      head.classList.add("as-sortable");
      head.setAttribute("title", "Sort by this column");
      head.addEventListener("click", function () {
        var down = head.getAttribute("aria-sort") !== "ascending";
        heads.forEach(function (h) { h.removeAttribute("aria-sort"); });
        head.setAttribute("aria-sort", down ? "ascending" : "descending");
        var rows = Array.prototype.slice.call(body.querySelectorAll(":scope > tr"));
        rows.sort(function (a, b) {
          var x = cellValue(a, index), y = cellValue(b, index);
          var nx = parseFloat(x), ny = parseFloat(y);
          var order = !isNaN(nx) && !isNaN(ny) ? nx - ny : x.localeCompare(y);
          return down ? order : -order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  }

  function filterable(wrapper) {
    var table = wrapper.querySelector("table");
    if (!table) return;
    var input = document.createElement("input");
    input.type = "search";
    input.className = "as-filter";
    input.placeholder = "Filter rows";
    input.setAttribute("aria-label", "Filter rows");
    wrapper.parentNode.insertBefore(input, wrapper);
    input.addEventListener("input", function () {
      var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      table.querySelectorAll("tbody > tr").forEach(function (row) {
        var seen = row.textContent.toLowerCase();
        row.hidden = !words.every(function (w) { return seen.indexOf(w) >= 0; });
      });
    });
  }

  function start() {
    document.documentElement.classList.add("as-js");
    document.querySelectorAll("table[data-sbs]").forEach(sideBySide);
    document.querySelectorAll(".as-sort table").forEach(sortable);
    document.querySelectorAll(".as-filterable").forEach(filterable);
    window.addEventListener("hashchange", showHash);
    showHash();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
