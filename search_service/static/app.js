// Small enhancements; every page works without them.
(function () {
  "use strict";

  function copyWithSelection(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "offscreen";
    document.body.appendChild(area);
    area.select();
    var ok = document.execCommand("copy");
    document.body.removeChild(area);
    return ok ? Promise.resolve() : Promise.reject(new Error("copy failed"));
  }

  // The async clipboard API needs a secure, focused page; the selection copy covers the rest.
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () { return copyWithSelection(text); });
    }
    return copyWithSelection(text);
  }

  // "复制引用": the buttons are hidden until this script shows them.
  document.querySelectorAll("button.copy-citation").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var text = button.getAttribute("data-citation");
      copyText(text).then(function () {
        button.textContent = "已复制";
        button.classList.add("copied");
      }, function () {
        window.prompt("复制以下引用：", text);
      }).finally(function () {
        setTimeout(function () { button.textContent = "复制引用"; button.classList.remove("copied"); }, 2000);
      });
    });
  });

  // On a narrow screen the filters fold into a panel below the results; 筛选 opens it.
  var panel = document.querySelector("details.facet-panel");
  if (panel && window.matchMedia("(max-width: 820px)").matches) {
    panel.open = false;
    document.querySelectorAll("a.jump-filters").forEach(function (link) {
      link.addEventListener("click", function () { panel.open = true; });
    });
  }

  // Restored / as-scraped toggle in place, keeping the shareable ?view= URL in step.
  document.querySelectorAll("[data-toggle-view]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      var article = document.getElementById("document");
      // the two texts differ in length: keep the paragraph at the top of the window where it was
      var anchor = Array.prototype.find.call(article.querySelectorAll(".para"), function (para) {
        return para.getBoundingClientRect().bottom > 0;
      });
      var before = anchor ? anchor.getBoundingClientRect().top : 0;
      var scraped = article.classList.toggle("show-scraped");
      if (anchor) { window.scrollBy(0, anchor.getBoundingClientRect().top - before); }
      var url = new URL(window.location.href);
      if (scraped) { url.searchParams.set("view", "scraped"); } else { url.searchParams.delete("view"); }
      window.history.replaceState(null, "", url.toString());
    });
  });
}());

// The excerpt basket (素材篮). Without this script the forms post to /basket and the list lives in a
// cookie; with it, the list lives in localStorage (room for long notes) and the server only renders it.
(function () {
  "use strict";
  var STORE = "safety-search-basket";
  var COOKIE = "excerpts";

  function storageWorks() {
    try {
      window.localStorage.setItem(STORE + "-probe", "1");
      window.localStorage.removeItem(STORE + "-probe");
      return true;
    } catch (e) {
      return false;  // storage disabled: the cookie forms keep working untouched
    }
  }
  if (!storageWorks()) { return; }

  function load() {
    try {
      var items = JSON.parse(window.localStorage.getItem(STORE) || "[]");
      return Array.isArray(items) ? items : [];
    } catch (e) {
      return [];
    }
  }

  function showCount(items) {
    document.querySelectorAll("[data-basket-count]").forEach(function (el) { el.textContent = items.length; });
  }

  function save(items) {
    window.localStorage.setItem(STORE, JSON.stringify(items));
    showCount(items);
  }

  function same(a, b) { return a.doc_id === b.doc_id && Number(a.n) === Number(b.n); }

  // Excerpts added while the script was off sit in the cookie: take them over once.
  function cookieItems() {
    var match = document.cookie.match(/(?:^|;\s*)excerpts=([^;]*)/);
    if (!match) { return []; }
    try {
      var b64 = match[1].replace(/-/g, "+").replace(/_/g, "/");
      while (b64.length % 4) { b64 += "="; }
      var bytes = Uint8Array.from(window.atob(b64), function (c) { return c.charCodeAt(0); });
      return JSON.parse(new TextDecoder().decode(bytes)).map(function (row) {
        return {doc_id: row[0], n: row[1], note: row[2] || ""};
      });
    } catch (e) {
      return [];
    }
  }

  var items = load();
  var adopted = cookieItems();
  if (adopted.length) {
    adopted.forEach(function (item) {
      if (!items.some(function (other) { return same(other, item); })) { items.push(item); }
    });
    save(items);
    document.cookie = COOKIE + "=; Max-Age=0; path=/; SameSite=Lax";
  }
  showCount(items);

  // 加入素材 on result snippets and document paragraphs.
  function markAdded(form) {
    var button = form.querySelector("button");
    button.textContent = "已加入素材";
    button.classList.add("added");
  }
  document.querySelectorAll("form.add-excerpt").forEach(function (form) {
    var item = {doc_id: form.elements.doc_id.value, n: Number(form.elements.n.value), note: ""};
    if (load().some(function (other) { return same(other, item); })) { markAdded(form); }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var current = load();
      if (!current.some(function (other) { return same(other, item); })) {
        current.push(item);
        save(current);
      }
      markAdded(form);
    });
  });

  // The basket page: the server renders the list from what is kept here.
  var page = document.querySelector("[data-basket-page]");
  if (!page) { return; }
  var holder = document.getElementById("basket-items");
  var empty = page.querySelector(".basket-empty");

  function render() {
    var current = load();
    empty.hidden = current.length > 0;
    if (!current.length) { holder.innerHTML = ""; return Promise.resolve(); }
    return fetch(page.getAttribute("data-list-url"), {
      method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify({items: current})
    }).then(function (response) {
      return response.text().then(function (html) {
        if (!response.ok) { throw new Error(html); }
        holder.innerHTML = html;
        page.setAttribute("data-rendered", String(current.length));
      });
    }).catch(function () {
      holder.innerHTML = "<p class=\"empty\">素材篮暂时无法显示：请刷新页面；若仍不行，可清空素材篮后重新加入。</p>";
    });
  }

  function change(form) {
    var current = load();
    var action = form.elements.action.value;
    var at = form.elements.i ? Number(form.elements.i.value) - 1 : -1;
    if (action === "clear") {
      current = [];
    } else if (at < 0 || at >= current.length) {
      return;
    } else if (action === "remove") {
      current.splice(at, 1);
    } else if (action === "up" || action === "down") {
      var to = action === "up" ? at - 1 : at + 1;
      if (to < 0 || to >= current.length) { return; }
      var moved = current[at];
      current[at] = current[to];
      current[to] = moved;
    } else if (action === "note") {
      current[at].note = form.elements.note.value.slice(0, 500);
      save(current);
      var button = form.querySelector("button");
      button.textContent = "已保存";
      setTimeout(function () { button.textContent = "保存批注"; }, 1500);
      return;
    }
    save(current);
    render();
  }

  page.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.classList.contains("basket-export")) {
      form.elements.items.value = JSON.stringify(load());
      return;  // the browser downloads the file the server builds
    }
    event.preventDefault();
    change(form);
  });
  // a note is kept as soon as the field is left, even without pressing 保存批注
  page.addEventListener("change", function (event) {
    if (event.target.name === "note") { change(event.target.form); }
  });
  render();
}());
