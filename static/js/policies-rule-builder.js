// The eligibility rule builder of the policy form: rows of conditions (fact, operator, value, or a condition a
// person checks), combined with all/any, written into the rule's JSON textarea, and read back from it when the
// rule is that simple. The JSON stays the source of truth: the server validates it (policies.rules.check).
// Facts, operators, tags, regions and parks come from the page (json_script "rule-builder-data").

const dataNode = document.getElementById("rule-builder-data");
const root = document.getElementById("rule-builder");
const textarea = document.querySelector("textarea[name=eligibility]");

if (dataNode && root && textarea) {
  const data = JSON.parse(dataNode.textContent);
  const facts = Object.fromEntries(data.facts.map((fact) => [fact.name, fact]));
  const texts = data.texts;
  const rowsNode = root.querySelector("[data-role=rows]");
  const combinator = root.querySelector("[data-role=combinator]");
  const message = root.querySelector("[data-role=message]");
  let rows = [];

  const el = (tag, attrs = {}, children = []) => {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (key === "text") node.textContent = value;
      else if (value !== undefined && value !== null && value !== false) node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children) node.append(child);
    return node;
  };

  const options = (fact) => {
    if (fact.name === "tags") return data.tags;
    if (fact.name === "region") return data.regions;
    if (fact.name === "park") return data.parks;
    if (fact.type === "enum") return fact.choices.map((choice) => ({ value: choice, label: choice }));
    if (fact.type === "bool") return [{ value: "true", label: texts.yes }, { value: "false", label: texts.no }];
    return null;
  };

  const emptyRow = () => ({ kind: "fact", fact: data.facts[0].name, op: data.facts[0].operators[0], value: "", negate: false });

  function valueInput(row, index) {
    if (row.kind === "manual") {
      return el("input", { type: "text", value: row.value, "data-index": index, "data-field": "value", size: 40 });
    }
    const fact = facts[row.fact];
    const choices = options(fact);
    const multiple = row.op === "in";
    if (choices) {
      const selected = new Set(Array.isArray(row.value) ? row.value.map(String) : [String(row.value)]);
      const select = el("select", { "data-index": index, "data-field": "value", multiple });
      if (!multiple) select.append(el("option", { value: "", text: "—" }));
      for (const choice of choices) {
        select.append(el("option", { value: choice.value, text: choice.label, selected: selected.has(String(choice.value)) }));
      }
      return select;
    }
    let placeholder = fact.unit || "";
    if (row.op === "between") placeholder = texts.range_hint;
    if (multiple) placeholder = texts.list_hint;
    const shown = Array.isArray(row.value) ? row.value.join(", ") : row.value;
    const type = fact.type === "number" && !multiple && row.op !== "between" ? "number" : "text";
    return el("input", { type, step: type === "number" ? "any" : undefined, value: shown, placeholder, "data-index": index, "data-field": "value" });
  }

  function render() {
    rowsNode.replaceChildren();
    rows.forEach((row, index) => {
      const factSelect = el("select", { "data-index": index, "data-field": "fact" });
      for (const fact of data.facts) factSelect.append(el("option", { value: fact.name, text: fact.label, selected: row.kind === "fact" && row.fact === fact.name }));
      factSelect.append(el("option", { value: "__manual", text: texts.manual, selected: row.kind === "manual" }));
      const opCell = el("td", { "data-label": "" });
      if (row.kind === "fact") {
        const negate = el("label", {}, [el("input", { type: "checkbox", "data-index": index, "data-field": "negate", checked: row.negate }), " " + texts.not + " "]);
        const opSelect = el("select", { "data-index": index, "data-field": "op" });
        for (const op of facts[row.fact].operators) opSelect.append(el("option", { value: op, text: data.operators[op], selected: op === row.op }));
        opCell.append(negate, opSelect);
      }
      const remove = el("button", { type: "button", class: "link", "data-index": index, "data-field": "remove", text: texts.remove });
      rowsNode.append(
        el("tr", { "data-testid": "rule-row" }, [
          el("td", {}, [factSelect]),
          opCell,
          el("td", {}, [valueInput(row, index)]),
          el("td", {}, [remove]),
        ]),
      );
    });
  }

  function readValue(node) {
    if (node.multiple) return Array.from(node.selectedOptions).map((option) => option.value);
    return node.value;
  }

  rowsNode.addEventListener("change", (event) => {
    const node = event.target;
    const index = Number(node.dataset.index);
    const row = rows[index];
    if (!row) return;
    const field = node.dataset.field;
    if (field === "fact") {
      if (node.value === "__manual") rows[index] = { kind: "manual", value: "" };
      else rows[index] = { kind: "fact", fact: node.value, op: facts[node.value].operators[0], value: "", negate: row.negate || false };
      render();
    } else if (field === "op") {
      row.op = node.value;
      row.value = "";
      render();
    } else if (field === "negate") {
      row.negate = node.checked;
    } else if (field === "value") {
      row.value = readValue(node);
    }
  });
  rowsNode.addEventListener("input", (event) => {
    const node = event.target;
    if (node.dataset.field === "value" && rows[Number(node.dataset.index)]) rows[Number(node.dataset.index)].value = readValue(node);
  });
  rowsNode.addEventListener("click", (event) => {
    if (event.target.dataset.field === "remove") {
      rows.splice(Number(event.target.dataset.index), 1);
      render();
    }
  });

  const number = (text) => {
    const value = Number(String(text).trim());
    return String(text).trim() === "" || !Number.isFinite(value) ? null : value;
  };

  function scalar(fact, text) {
    if (fact.type === "number") return number(text);
    if (fact.type === "bool") return text === "true" ? true : text === "false" ? false : null;
    if (fact.type === "id") return number(text) !== null && Number.isInteger(number(text)) ? number(text) : null;
    const value = String(text).trim();
    return value === "" ? null : value;
  }

  function toCondition(row) {
    if (row.kind === "manual") return String(row.value).trim() ? { manual: String(row.value).trim() } : null;
    const fact = facts[row.fact];
    let value;
    if (row.op === "in") {
      const items = Array.isArray(row.value) ? row.value : String(row.value).split(/[,，、\s]+/).filter(Boolean);
      value = items.map((item) => scalar(fact, item));
      if (!value.length || value.includes(null)) return null;
    } else if (row.op === "between") {
      value = String(row.value).split(/[,，~\s]+/).filter(Boolean).map(number);
      if (value.length !== 2 || value.includes(null)) return null;
    } else {
      value = scalar(fact, row.value);
      if (value === null) return null;
    }
    const condition = { fact: row.fact, op: row.op, value };
    return row.negate ? { not: condition } : condition;
  }

  function fromCondition(node) {
    let negate = false;
    if (node && typeof node === "object" && "not" in node && Object.keys(node).length === 1) {
      negate = true;
      node = node.not;
    }
    if (!node || typeof node !== "object") return null;
    if (typeof node.manual === "string" && !negate) return { kind: "manual", value: node.manual };
    if (!(node.fact in facts) || !facts[node.fact].operators.includes(node.op)) return null;
    const value = Array.isArray(node.value) && node.op === "between" ? node.value.join(", ") : node.value;
    return { kind: "fact", fact: node.fact, op: node.op, value: Array.isArray(value) ? value.map(String) : String(value), negate };
  }

  function read(quiet) {
    const text = textarea.value.trim();
    if (!text) {
      rows = [emptyRow()];
      render();
      return;
    }
    let rule;
    try {
      rule = JSON.parse(text);
    } catch {
      if (!quiet) message.textContent = texts.cannot_read;
      return;
    }
    let kind = "all";
    let parts = [rule];
    if (rule && Array.isArray(rule.all)) parts = rule.all;
    else if (rule && Array.isArray(rule.any)) {
      kind = "any";
      parts = rule.any;
    }
    const read = parts.map(fromCondition);
    if (read.includes(null)) {
      if (!quiet) message.textContent = texts.cannot_read;
      return;
    }
    combinator.value = kind;
    rows = read;
    for (const row of rows) {
      const fact = row.kind === "fact" ? facts[row.fact] : null;
      if (fact && row.op === "in" && !options(fact) && Array.isArray(row.value)) row.value = row.value.join(", ");
    }
    render();
    message.textContent = quiet ? "" : texts.read;
  }

  function write() {
    if (!rows.length) {
      message.textContent = texts.empty;
      return;
    }
    const conditions = [];
    for (const [index, row] of rows.entries()) {
      const condition = toCondition(row);
      if (condition === null) {
        message.textContent = texts.bad_value.replace("%(n)s", index + 1);
        return;
      }
      conditions.push(condition);
    }
    textarea.value = JSON.stringify({ [combinator.value]: conditions }, null, 2);
    textarea.dispatchEvent(new Event("change", { bubbles: true }));
    message.textContent = texts.written;
  }

  root.querySelector("[data-role=add]").addEventListener("click", () => {
    rows.push(emptyRow());
    render();
  });
  root.querySelector("[data-role=add-manual]").addEventListener("click", () => {
    rows.push({ kind: "manual", value: "" });
    render();
  });
  root.querySelector("[data-role=write]").addEventListener("click", write);
  root.querySelector("[data-role=read]").addEventListener("click", () => read(false));

  root.hidden = false;
  read(true);
  if (!rows.length) {
    rows = [emptyRow()];
    render();
  }
}
