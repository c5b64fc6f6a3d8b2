import qrcode from 'qrcode-generator';

/**
 * A QR code as an inline SVG (one path, crisp at any print size). qrcode-generator: a maintained, dependency-free
 * encoder with its own types; error correction M survives a smudged printout of a URL this short.
 */
export function qrSvg(text: string, { size = 120, margin = 4 }: { size?: number; margin?: number } = {}): string {
  const qr = qrcode(0, 'M');
  qr.addData(text, 'Byte');
  qr.make();
  const count = qr.getModuleCount();
  const total = count + margin * 2;
  let d = '';
  for (let row = 0; row < count; row++) {
    for (let col = 0; col < count; col++) {
      if (qr.isDark(row, col)) d += `M${col + margin} ${row + margin}h1v1h-1z`;
    }
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" class="qr" width="${size}" height="${size}" viewBox="0 0 ${total} ${total}" shape-rendering="crispEdges" role="img" aria-label="QR code of the verification link"><rect width="${total}" height="${total}" fill="#fff"/><path d="${d}" fill="#000"/></svg>`;
}
