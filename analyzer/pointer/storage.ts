// Whether two abstract objects share storage, for clients that compare written
// and read locations: the analysis' own answer (which covers fields inside
// objects), or, for a PointsTo without `overlaps` (a test stub), equality or
// one object a field inside the other, so the answer stays sound.
import type { ObjId, PointsTo } from './types.js';

export function objectsOverlap(pts: PointsTo, a: ObjId, b: ObjId): boolean {
  if (a === b) return true;
  if (pts.overlaps) return pts.overlaps(a, b);
  const inside = (x: ObjId, y: ObjId) => {
    for (let o = pts.objects[x], d = 0; o?.parent !== undefined && d < 16; o = pts.objects[o.parent], d++) if (o.parent === y) return true;
    return false;
  };
  return inside(a, b) || inside(b, a);
}
