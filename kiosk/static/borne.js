// Kiosk page: shows what the bridge pushes (/events), in the chosen language, then clears.
"use strict";

(function () {
  const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
  const A_MONDAY = Date.UTC(2024, 0, 1);
  const RTL = ["ar", "fa", "he", "ur"];
  const HOURS_ON = ["mail", "no_mail", "unknown", "unavailable"];
  const HOME_AFTER_MS = 60000; // an idle screen returns to the default language after this

  const state = {
    strings: {},
    home: "fr",
    lang: "fr",
    chosen: false,
    languages: ["fr"],
    config: { clear_seconds: 10, opening_hours: {}, structure: "" },
    screen: "idle",
    result: null,
  };
  let clearTimer = null;
  let homeTimer = null;

  function message(key, lang) {
    const catalogue = state.strings[lang];
    return catalogue ? catalogue[key] : undefined;
  }

  function fill(template, params) {
    return template.replace(/\{(\w+)\}/g, (all, name) => (params && name in params ? String(params[name]) : all));
  }

  function text(key, params) {
    const template = message(key, state.lang) ?? message(key, "fr");
    return template === undefined ? "" : fill(template, params);
  }

  function locale(lang) {
    return lang === "ar" ? "ar-u-nu-latn" : lang; // Western digits, as written in the Maghreb and on French mail
  }

  function number(n) {
    return new Intl.NumberFormat(locale(state.lang)).format(n);
  }

  function plural(base, n) {
    for (const lang of [state.lang, "fr"]) {
      const category = new Intl.PluralRules(lang).select(n);
      const template = message(`${base}.${category}`, lang) ?? message(`${base}.other`, lang);
      if (template !== undefined) return fill(template, { count: number(n) });
    }
    return "";
  }

  function show(element, visible) {
    element.hidden = !visible;
  }

  function render() {
    const root = document.documentElement;
    root.lang = state.lang;
    root.dir = RTL.includes(state.lang) ? "rtl" : "ltr";
    for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = text(el.dataset.i18n);
    for (const el of document.querySelectorAll("[data-i18n-label]")) {
      el.setAttribute("aria-label", text(el.dataset.i18nLabel));
    }
    document.getElementById("structure").textContent = state.config.structure || "";
    renderLanguages();
    renderScreen();
    renderHours();
  }

  function renderLanguages() {
    const nav = document.getElementById("languages");
    const wanted = state.languages.filter((lang) => state.strings[lang]);
    if (nav.dataset.langs !== wanted.join(",")) {
      nav.replaceChildren();
      for (const lang of wanted) {
        const button = document.createElement("button");
        button.type = "button";
        button.lang = lang;
        button.dir = RTL.includes(lang) ? "rtl" : "ltr";
        button.dataset.lang = lang;
        button.textContent = message("borne.lang_name", lang) || lang;
        button.addEventListener("click", () => choose(lang));
        nav.append(button);
      }
      nav.dataset.langs = wanted.join(",");
    }
    for (const button of nav.querySelectorAll("button")) {
      button.setAttribute("aria-pressed", String(button.dataset.lang === state.lang));
    }
    show(nav, wanted.length > 1);
  }

  function renderScreen() {
    for (const section of document.querySelectorAll("[data-screen]")) {
      show(section, section.dataset.screen === state.screen);
    }
    const result = state.result || {};
    const name = result.first_name;
    for (const el of document.querySelectorAll("[data-hello]")) {
      el.textContent = name ? text("borne.hello", { name }) : "";
      show(el, Boolean(name));
    }
    if (state.screen === "mail") {
      document.getElementById("count").textContent = number(result.count);
      document.getElementById("mail-label").textContent = plural("borne.mail", result.count);
      const registered = document.getElementById("registered");
      registered.textContent = result.recommandes > 0 ? plural("borne.registered", result.recommandes) : "";
      show(registered, result.recommandes > 0);
    }
  }

  function renderHours() {
    const hours = state.config.opening_hours || {};
    const section = document.getElementById("hours");
    const any = DAYS.some((day) => (hours[day] || []).length > 0);
    show(section, any && HOURS_ON.includes(state.screen));
    if (!any) return;
    const weekday = new Intl.DateTimeFormat(locale(state.lang), { weekday: "long", timeZone: "UTC" });
    const today = (new Date().getDay() + 6) % 7; // 0 = Monday
    const rows = DAYS.map((day, i) => {
      const row = document.createElement("tr");
      const ranges = hours[day] || [];
      const head = document.createElement("th");
      head.scope = "row";
      head.textContent = weekday.format(new Date(A_MONDAY + i * 86400000));
      const cell = document.createElement("td");
      for (const range of ranges) {
        const span = document.createElement("span");
        span.className = "range";
        span.textContent = range.replace("-", " – ");
        cell.append(span);
      }
      if (!ranges.length) {
        cell.textContent = text("borne.hours.closed");
        row.className = "closed";
      }
      if (i === today) {
        row.classList.add("today");
        row.setAttribute("aria-current", "date");
        const label = document.createElement("span");
        label.className = "today-label";
        label.textContent = `(${text("borne.hours.today")})`;
        head.append(label);
      }
      row.append(head, cell);
      return row;
    });
    document.getElementById("hours-rows").replaceChildren(...rows);
  }

  function choose(lang) {
    state.lang = lang;
    state.chosen = lang !== state.home;
    clearTimeout(homeTimer);
    homeTimer = setTimeout(() => {
      if (state.screen === "idle") goHome();
    }, HOME_AFTER_MS);
    render();
  }

  function goHome() {
    state.lang = state.home;
    state.chosen = false;
    render();
  }

  function toIdle() {
    clearTimeout(clearTimer);
    state.screen = "idle";
    state.result = null;
    goHome(); // the next person starts in the default language
  }

  function display(screen, result) {
    state.screen = screen;
    state.result = result;
    clearTimeout(clearTimer);
    clearTimer = setTimeout(toIdle, Math.max(1, state.config.clear_seconds || 10) * 1000);
    render();
  }

  function handle(event) {
    if (event.type === "config") {
      state.config = event;
      state.home = event.language || "fr";
      state.languages = event.languages || [state.home];
      if (!state.chosen || !state.languages.includes(state.lang)) state.lang = state.home;
      render();
    } else if (event.type === "reading") {
      display("reading", null);
    } else if (event.type === "result") {
      document.body.dataset.results = String(Number(document.body.dataset.results || 0) + 1);
      const known = ["mail", "no_mail", "unknown", "slow_down", "unavailable"];
      display(known.includes(event.status) ? event.status : "unavailable", event);
    }
  }

  function offline(isOffline) {
    show(document.getElementById("offline"), isOffline);
    document.body.dataset.online = String(!isOffline);
  }

  function connect() {
    const source = new EventSource("/events");
    source.onopen = () => offline(false);
    source.onmessage = (message) => {
      try {
        handle(JSON.parse(message.data));
      } catch (error) {
        console.warn("event ignored", error.name);
      }
    };
    source.onerror = () => {
      offline(true);
      if (source.readyState === EventSource.CLOSED) setTimeout(connect, 3000); // else it reconnects by itself
    };
  }

  async function start() {
    for (;;) {
      try {
        const response = await fetch("/strings.json", { cache: "no-store" });
        if (response.ok) {
          state.strings = await response.json();
          break;
        }
      } catch (error) {
        offline(true);
      }
      await new Promise((resolve) => setTimeout(resolve, 3000));
    }
    render();
    connect();
  }

  start();
})();
