/**
 * Stripe's v1 request encoding (reference/stripe.md §1.3), decoded the way Stripe reads it: `a[b][c]=v` nests,
 * `a[0][b]=v` and `a[]=v` are arrays, every value is a string, `+` and `%20` are spaces.
 */
export type FormValue = string | FormValue[] | { [key: string]: FormValue };
export type FormObject = { [key: string]: FormValue };

const decode = (text: string): string => decodeURIComponent(text.replace(/\+/g, ' '));

/** Throws on a key that is not `name` followed by `[segment]`s (Stripe answers those with a 400). */
function keyPath(key: string): string[] {
  const match = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(key);
  if (!match) throw new Error(`malformed form key: ${key}`);
  const segments = [...match[2].matchAll(/\[([^[\]]*)\]/g)].map((m) => m[1]);
  return [match[1], ...segments];
}

function assign(target: FormObject, path: string[], value: string): void {
  let node: FormObject = target;
  for (let i = 0; i < path.length; i++) {
    // `expand[]=a&expand[]=b`: an empty segment appends.
    const segment = path[i] === '' ? String(Object.keys(node).length) : path[i];
    if (i === path.length - 1) {
      node[segment] = value;
      return;
    }
    const next = node[segment];
    if (next === undefined || typeof next === 'string') node[segment] = {};
    node = node[segment] as FormObject;
  }
}

/** Objects whose keys are exactly 0..n-1 become arrays, as Stripe reads `line_items[0][price]`. */
function arrays(value: FormValue): FormValue {
  if (typeof value === 'string' || Array.isArray(value)) return value;
  const keys = Object.keys(value);
  const entries = keys.map((k) => [k, arrays(value[k])] as const);
  // Distinct canonical indexes all below the count: exactly 0..n-1.
  const isList = keys.length > 0 && keys.every((k) => /^(0|[1-9]\d*)$/.test(k) && Number(k) < keys.length);
  if (isList) return keys.map((_, i) => arrays(value[String(i)]));
  return Object.fromEntries(entries);
}

export function parseStripeForm(text: string): FormObject {
  const out: FormObject = {};
  for (const pair of text.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const key = decode(eq < 0 ? pair : pair.slice(0, eq));
    const value = eq < 0 ? '' : decode(pair.slice(eq + 1));
    assign(out, keyPath(key), value);
  }
  return arrays(out) as FormObject;
}

/** `expand` as a list of dotted paths, whichever way it was sent. */
export function expandPaths(params: FormObject): string[] {
  const expand = params.expand;
  if (expand === undefined) return [];
  if (typeof expand === 'string') return [expand];
  return (Array.isArray(expand) ? expand : Object.values(expand)).filter((v): v is string => typeof v === 'string');
}
