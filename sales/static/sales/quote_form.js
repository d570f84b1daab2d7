// The quote form: search the catalog, add rows, show the total priced by the server.
(function () {
  "use strict";
  const form = document.getElementById("quote-form");
  if (!form) return;
  const search = document.getElementById("product-search");
  const results = document.getElementById("product-results");
  const body = document.querySelector("#quote-lines tbody");
  const totalEl = document.getElementById("quote-total");
  const discountEl = document.getElementById("quote-discount");
  const csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  let timer = null;

  function debounce(fn, ms) { clearTimeout(timer); timer = setTimeout(fn, ms); }

  function addRow(product) {
    const row = document.createElement("tr");
    row.dataset.product = product.id;
    const name = document.createElement("td");
    name.textContent = product.name + " (" + product.price_display + ")";
    const hidden = document.createElement("input");
    hidden.type = "hidden"; hidden.name = "product"; hidden.value = product.id;
    name.appendChild(hidden);
    const qty = document.createElement("td");
    qty.innerHTML = '<input class="form-control form-control-sm" name="quantity" type="number" min="1" value="1">';
    const disc = document.createElement("td");
    disc.innerHTML = '<input class="form-control form-control-sm" name="discount" type="number" min="0" max="100" step="0.01" value="0">';
    const total = document.createElement("td");
    total.className = "text-end line-total";
    const remove = document.createElement("td");
    remove.innerHTML = '<button type="button" class="btn btn-sm btn-outline-danger" aria-label="x">&times;</button>';
    remove.querySelector("button").addEventListener("click", function () { row.remove(); refresh(); });
    row.append(name, qty, disc, total, remove);
    body.appendChild(row);
    refresh();
  }

  function refresh() {
    const data = new FormData(form);
    if (!data.getAll("product").length) { totalEl.textContent = "—"; discountEl.textContent = ""; return; }
    fetch(form.dataset.preview, { method: "POST", body: data, headers: { "X-CSRFToken": csrf } })
      .then(function (r) { return r.json(); })
      .then(function (json) {
        if (json.error) { totalEl.textContent = "—"; discountEl.textContent = json.error; return; }
        totalEl.textContent = json.total_display;
        discountEl.textContent = json.discount_total !== "0.00" ? "−" + json.discount_total_display : "";
        body.querySelectorAll("tr").forEach(function (row, i) {
          if (json.lines[i]) row.querySelector(".line-total").textContent = json.lines[i].line_total_display;
        });
      });
  }

  search.addEventListener("input", function () {
    debounce(function () {
      const q = search.value.trim();
      if (!q) { results.innerHTML = ""; return; }
      fetch(form.dataset.search + "?q=" + encodeURIComponent(q)).then(function (r) { return r.json(); })
        .then(function (json) {
          results.innerHTML = "";
          json.results.forEach(function (p) {
            const item = document.createElement("button");
            item.type = "button"; item.className = "list-group-item list-group-item-action";
            item.textContent = p.name + " · " + p.price_display + (p.stock !== null ? " · stock " + p.stock : "");
            item.addEventListener("click", function () { addRow(p); results.innerHTML = ""; search.value = ""; });
            results.appendChild(item);
          });
        });
    }, 250);
  });
  body.addEventListener("input", function () { debounce(refresh, 300); });
})();
