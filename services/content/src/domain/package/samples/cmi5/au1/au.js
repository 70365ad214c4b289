/* Vallen voorkomen: een cmi5-AU, zonder bibliotheken (ES2017). Leest de startgegevens uit het
 * adres, haalt een toegangssleutel op bij de fetch-URL, leest LMS.LaunchData en stuurt alleen
 * de werkwoorden die cmi5 kent: initialized, passed/failed, completed, terminated. */
"use strict";

(function () {
  var CATEGORIE = "https://w3id.org/xapi/cmi5/context/categories/";
  var SESSIE = "https://w3id.org/xapi/cmi5/context/extensions/sessionid";
  var BEHEERSING = "https://w3id.org/xapi/cmi5/context/extensions/masteryscore";
  var WERKWOORD = "http://adlnet.gov/expapi/verbs/";
  var NAAM = {
    initialized: "gestart",
    passed: "geslaagd",
    failed: "niet geslaagd",
    completed: "afgerond",
    terminated: "afgesloten"
  };

  var start = Date.now();
  var adres = new URLSearchParams(location.search);
  var endpoint = adres.get("endpoint") || "";
  var fetchUrl = adres.get("fetch");
  var registration = adres.get("registration");
  var activityId = adres.get("activityId");
  var actor = null;
  var token = null;
  var launch = {};
  var gestart = false; // initialized is vastgelegd
  var klaar = false; // terminated is (of wordt) verstuurd
  var keten = Promise.resolve(); // statements gaan in volgorde

  function $(id) {
    return document.getElementById(id);
  }

  function meld(tekst, fout) {
    var p = document.createElement("p");
    p.textContent = tekst;
    if (fout) p.className = "fout";
    $("status").appendChild(p);
  }

  function uuid() {
    if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.from(b, function (x) {
      return (x + 0x100).toString(16).slice(1);
    }).join("");
    return [h.slice(0, 8), h.slice(8, 12), h.slice(12, 16), h.slice(16, 20), h.slice(20)].join("-");
  }

  function duur() {
    return "PT" + ((Date.now() - start) / 1000).toFixed(2) + "S";
  }

  function koppen(json) {
    var k = { Authorization: "Basic " + token, "X-Experience-API-Version": "1.0.3" };
    if (json) k["Content-Type"] = "application/json";
    return k;
  }

  async function mislukt(wat, antwoord) {
    var tekst = "";
    try {
      tekst = (await antwoord.text()).slice(0, 200);
    } catch (e) {
      // geen tekst: alleen de status
    }
    return new Error(wat + " mislukte: HTTP " + antwoord.status + (tekst ? " (" + tekst + ")" : ""));
  }

  // fetch, met een Nederlandse fout bij een netwerkfout of een status buiten 200–299.
  async function haal(wat, url, opties) {
    var antwoord;
    try {
      antwoord = await fetch(url, opties);
    } catch (e) {
      throw new Error(wat + " mislukte: geen verbinding (" + e.message + ")");
    }
    if (!antwoord.ok) throw await mislukt(wat, antwoord);
    return antwoord;
  }

  function statement(verb, result) {
    var context = JSON.parse(JSON.stringify(launch.contextTemplate || {}));
    context.registration = registration;
    var activiteiten = context.contextActivities || {};
    var categorie = activiteiten.category ? [].concat(activiteiten.category) : [];
    var nodig = ["cmi5"];
    if (verb === "passed" || verb === "failed" || verb === "completed") nodig.push("moveon");
    nodig.forEach(function (naam) {
      var id = CATEGORIE + naam;
      if (!categorie.some(function (c) { return c && c.id === id; })) categorie.push({ id: id });
    });
    activiteiten.category = categorie;
    context.contextActivities = activiteiten;
    if ((verb === "passed" || verb === "failed") && typeof launch.masteryScore === "number") {
      context.extensions = context.extensions || {};
      context.extensions[BEHEERSING] = launch.masteryScore;
    }
    var s = {
      id: uuid(),
      actor: actor,
      verb: { id: WERKWOORD + verb, display: { "en-US": verb } },
      object: { id: activityId, objectType: "Activity" },
      context: context,
      timestamp: new Date().toISOString()
    };
    if (result) s.result = result;
    return s;
  }

  async function zend(verb, s, keepalive) {
    await haal("Statement " + verb + " versturen", endpoint + "statements?statementId=" + encodeURIComponent(s.id), {
      method: "PUT",
      headers: koppen(true),
      body: JSON.stringify(s),
      keepalive: keepalive
    });
    meld("Vastgelegd: " + verb + " (" + NAAM[verb] + ").");
  }

  // Na elkaar, ook als een eerder statement mislukte.
  function stuur(verb, result) {
    var s = statement(verb, result);
    var klus = keten.then(function () {
      return zend(verb, s, false);
    });
    keten = klus.catch(function () {});
    return klus;
  }

  async function begin() {
    try {
      actor = JSON.parse(adres.get("actor") || "null");
    } catch (e) {
      actor = null;
    }
    if (!endpoint || !fetchUrl || !actor || !registration || !activityId) {
      meld("Geen cmi5-startgegevens in het adres (endpoint, fetch, actor, registration, activityId); uw voortgang wordt niet bewaard.", true);
      return;
    }
    if (!endpoint.endsWith("/")) endpoint += "/";
    meld("Verbinden met de leeromgeving…");
    var antwoord = await haal("Toegangssleutel ophalen", fetchUrl, { method: "POST" });
    var sleutel = await antwoord.json();
    if (!sleutel["auth-token"]) {
      throw new Error("Toegangssleutel ophalen mislukte: " + (sleutel["error-text"] || "geen auth-token") +
        (sleutel["error-code"] ? " (code " + sleutel["error-code"] + ")" : ""));
    }
    token = sleutel["auth-token"];
    meld("Toegangssleutel ontvangen.");
    var url = endpoint + "activities/state?stateId=LMS.LaunchData" +
      "&activityId=" + encodeURIComponent(activityId) +
      "&agent=" + encodeURIComponent(JSON.stringify(actor)) +
      "&registration=" + encodeURIComponent(registration);
    antwoord = await haal("Startgegevens (LMS.LaunchData) lezen", url, { headers: koppen(false) });
    launch = await antwoord.json();
    var sessie = ((launch.contextTemplate || {}).extensions || {})[SESSIE];
    meld("Startgegevens gelezen: modus " + launch.launchMode + (sessie ? ", sessie " + sessie : ", zonder sessie-id") + ".");
    await stuur("initialized");
    gestart = true;
  }

  $("inleveren").addEventListener("click", async function () {
    var gekozen = document.querySelector('input[name="vraag1"]:checked');
    if (!gekozen) {
      $("resultaat").textContent = "Kies eerst een antwoord.";
      return;
    }
    var geschaald = gekozen.value === "b" ? 1 : 0;
    var drempel = typeof launch.masteryScore === "number" ? launch.masteryScore : 0.8;
    var geslaagd = geschaald >= drempel;
    $("resultaat").textContent = (geslaagd ? "Geslaagd: " : "Niet geslaagd: ") + geschaald * 100 + " punten";
    if (!gestart || klaar) {
      meld("Niet vastgelegd: er is geen verbinding met de leeromgeving.", true);
      return;
    }
    if (launch.launchMode !== "Normal") {
      meld("Modus " + launch.launchMode + ": het resultaat wordt niet vastgelegd.");
      return;
    }
    // Eén keer per sessie: cmi5 staat geen tweede passed of completed toe.
    $("inleveren").disabled = true;
    try {
      await stuur(geslaagd ? "passed" : "failed", {
        score: { scaled: geschaald },
        success: geslaagd,
        duration: duur()
      });
      await stuur("completed", { completion: true, duration: duur() });
    } catch (e) {
      meld(e.message, true);
    }
  });

  $("afsluiten").addEventListener("click", async function () {
    if (!gestart || klaar) {
      meld("U kunt dit venster sluiten.");
      return;
    }
    klaar = true;
    $("inleveren").disabled = true;
    $("afsluiten").disabled = true;
    try {
      await stuur("terminated", { duration: duur() });
      meld("U kunt dit venster sluiten.");
      if (launch.returnURL) {
        $("terug").href = launch.returnURL;
        $("terug").target = "_top";
        $("terug").hidden = false;
      }
    } catch (e) {
      meld(e.message, true);
    }
  });

  // Wie het venster sluit zonder Afsluiten: terminated toch versturen (keepalive).
  window.addEventListener("pagehide", function () {
    if (!gestart || klaar) return;
    klaar = true;
    zend("terminated", statement("terminated", { duration: duur() }), true).catch(function () {});
  });

  begin()
    .catch(function (e) {
      meld(e.message, true);
    })
    .then(function () {
      $("inleveren").disabled = false;
      $("afsluiten").disabled = false;
    });
})();
