// A user's path through the catalog, clicked in a real browser: zone -> table -> lineage.
(function () {
  const log = [];
  const out = () => { const p = document.createElement("pre"); p.id = "clicktest"; p.textContent = log.join("\n");
                      document.body.appendChild(p); };
  const step = (fn, next) => setTimeout(() => { try { fn(); next && next(); } catch (e) { log.push("ERROR " + e); out(); } }, 200);
  const click = sel => { const el = document.querySelector(sel); if (!el) throw new Error("no element " + sel); el.click(); };
  step(() => { log.push("view " + document.body.dataset.view); click('[data-zone="finance"]'); },
    () => step(() => { log.push("view " + document.body.dataset.view + " " + location.hash);
                       click('#tables [data-table="finance_ods.expenses"]'); },
    () => step(() => { log.push("view " + document.body.dataset.view + " " + location.hash);
                       log.push("badge " + document.querySelector("h1 .badge").dataset.health);
                       log.push("pii " + [...document.querySelectorAll("#columns tr")].filter(r => r.querySelector(".pii"))
                                                 .map(r => r.cells[0].textContent).join(","));
                       click("#lineage-link"); },
    () => step(() => { log.push("view " + document.body.dataset.view + " " + location.hash);
                       log.push("nodes " + [...document.querySelectorAll("#lineage [data-node]")].map(n => n.dataset.node).sort().join(","));
                       out(); }))));
})();
