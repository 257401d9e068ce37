/* Skip-logic conditions in the browser: evaluates the same JSON tree as
   fieldkit/surveys/questionnaires/logic.py (parse() there, data-relevant attributes here), with the same
   rules for empty answers, numbers, text and multiple choice. Exposed as window.fieldkitLogic. */
(function () {
  "use strict";

  var NUMBER = /^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/;

  function isEmpty(value) {
    if (value === null || value === undefined || value === "") return true;
    if (Array.isArray(value)) return value.length === 0;
    if (typeof value === "object" && !(value instanceof Num)) return Object.keys(value).length === 0;
    return false;
  }

  /* A number from a condition (Python's Decimal): kept with its source text. */
  function Num(text) {
    this.text = text;
    this.value = Number(text);
  }

  function asNumber(value) {
    if (value === null || value === undefined || typeof value === "boolean") return null;
    if (value instanceof Num) return value.value;
    if (typeof value === "number") return value;
    if (Array.isArray(value) || typeof value === "object") return null;
    var text = String(value).replace(/,/g, ".");
    if (!NUMBER.test(text)) return null;
    return Number(text);
  }

  /* Python's str() of a value, for text comparisons. (A decimal answer such as 3.0 reads
     "3" here and "3.0" in Python; it matters only when a number is compared as text.) */
  function asText(value) {
    if (value instanceof Num) return value.text;
    if (typeof value === "boolean") return value ? "True" : "False";
    return String(value);
  }

  function valueOf(node, answers, self) {
    var kind = node[0];
    if (kind === "var") {
      return Object.prototype.hasOwnProperty.call(answers, node[1]) ? answers[node[1]] : null;
    }
    if (kind === "self") return self === undefined ? null : self;
    if (kind === "num") return new Num(node[1]);
    if (kind === "str") return node[1];
    if (kind === "count") {
      var value = valueOf(node[1], answers, self);
      if (isEmpty(value)) return new Num("0");
      return new Num(String(Array.isArray(value) ? value.length : 1));
    }
    return evaluate(node, answers, self);
  }

  function compare(op, left, right) {
    if (Array.isArray(left)) {
      var code = asText(right);
      if (op === "=") return left.indexOf(code) !== -1;
      if (op === "!=") return left.indexOf(code) === -1;
      return false;
    }
    if ((op === "=" || op === "!=") && (right === "" || left === "")) {
      var other = right === "" ? left : right;
      return op === "=" ? isEmpty(other) : !isEmpty(other);
    }
    if (isEmpty(left) || isEmpty(right)) {
      return op === "!=" && !(isEmpty(left) && isEmpty(right));
    }
    var l = asNumber(left);
    var r = asNumber(right);
    if (l === null || r === null) {
      l = asText(left);
      r = asText(right);
    }
    switch (op) {
      case "=": return l === r;
      case "!=": return l !== r;
      case "<": return l < r;
      case "<=": return l <= r;
      case ">": return l > r;
      case ">=": return l >= r;
    }
    throw new Error("unknown operator " + op);
  }

  function evaluate(node, answers, self) {
    var kind = node[0];
    var i;
    if (kind === "and") {
      for (i = 1; i < node.length; i++) if (!evaluate(node[i], answers, self)) return false;
      return true;
    }
    if (kind === "or") {
      for (i = 1; i < node.length; i++) if (evaluate(node[i], answers, self)) return true;
      return false;
    }
    if (kind === "not") return !evaluate(node[1], answers, self);
    if (kind === "cmp") {
      return compare(node[1], valueOf(node[2], answers, self), valueOf(node[3], answers, self));
    }
    if (kind === "selected") {
      var value = valueOf(node[1], answers, self);
      if (Array.isArray(value)) return value.indexOf(node[2]) !== -1;
      return value !== null && value !== undefined && asText(value) === node[2];
    }
    if (kind === "answered") return !isEmpty(valueOf(node[1], answers, self));
    /* A bare operand as a condition: true when it has a value. */
    return !isEmpty(valueOf(node, answers, self));
  }

  window.fieldkitLogic = { evaluate: evaluate, isEmpty: isEmpty, asNumber: asNumber };
})();
