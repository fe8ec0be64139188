/** Inventory: quantity control totals by location, and the inventory value (on hand × unit cost) per side. */
import type { Mapping } from '../../config/mapping-schema.js';
import { roleField } from '../../config/role-field.js';
import type { TotalLine } from '../types.js';
import { requireFields, type DomainCheck } from './domain.js';
import {
  autoLabel,
  fieldDimension,
  isZeroFigure,
  numericReader,
  productMeasure,
  sumMeasure,
  type Measure,
  type TotalDef,
} from './totals.js';

/** The inventory domain's totals and checks. */
export function inventoryCheck(mapping: Mapping): DomainCheck {
  requireFields(mapping, ['location', 'on_hand'], 'control totals by location');
  // The fields playing the domain's roles (`roles:` in the mapping, else the fields of those names).
  const [location, onHand, reserved, unitCost] = ['location', 'on_hand', 'reserved', 'unit_cost'].map((r) =>
    roleField(mapping, r),
  ) as [string, string, string, string];
  const scale = (f: string) => numericReader(mapping, f, 'domain inventory');
  const quantities: Measure[] = [sumMeasure(onHand, scale(onHand))];
  if (mapping.fields[reserved]) quantities.push(sumMeasure(reserved, scale(reserved)));
  const byLocation = [fieldDimension(location)];
  const totals: TotalDef[] = [
    { group: autoLabel(byLocation, quantities), by: byLocation, measures: quantities },
  ];
  const value = mapping.fields[unitCost]
    ? productMeasure(onHand, scale(onHand), unitCost, scale(unitCost))
    : undefined;
  if (value)
    totals.push({
      group: 'inventory value',
      by: [],
      measures: [sumMeasure(onHand, scale(onHand)), value],
    });
  return {
    totals,
    finish(lines: readonly TotalLine[]) {
      const perLocation = lines.filter((l) => Object.keys(l.by).length === 1 && location in l.by);
      const checks: Record<string, unknown> = {
        locations: {
          total: new Set(perLocation.map((l) => l.by[location])).size,
          differing: new Set(
            perLocation.filter((l) => !isZeroFigure(l.difference)).map((l) => l.by[location]),
          ).size,
        },
      };
      const v = value && lines.find((l) => l.field === value.name && Object.keys(l.by).length === 0);
      if (v) checks.inventoryValue = { legacy: v.legacy, cloud: v.cloud, difference: v.difference };
      return { differences: [], checks };
    },
  };
}
