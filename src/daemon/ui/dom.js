// Small DOM helpers shared by the web UI's modules.

export const $ = (id) => document.getElementById(id)

/** An element with attributes (`on…` are listeners; false/null/undefined are left out) and children. */
export function el (tag, attrs = {}, ...children) {
  const node = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') node.className = v
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v)
    else if (v !== undefined && v !== null && v !== false) node.setAttribute(k, v === true ? '' : v)
  }
  for (const child of children) if (child != null) node.append(child)
  return node
}

export function short (address) { return address.length > 16 ? `${address.slice(0, 8)}…${address.slice(-6)}` : address }
export function timeOf (ms) { return new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) }
