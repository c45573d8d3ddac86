/**
 * Solid-electrolyte presets for the simulator. Every number has its source next to it. Where the
 * literature gives a wide range (critical current density above all: it depends on density,
 * surface treatment, stack pressure and protocol) the value is a representative pick inside the
 * reported range and is marked "representative"; values with no direct measurement to cite are
 * marked "assumed". These are model inputs, not a materials database.
 */
import { evaluate, prefactorFrom } from './arrhenius.ts';
import type { ArrheniusParams } from './arrhenius.ts';
import { T_298, requireFinite } from './constants.ts';

/** Identifier of a preset. */
export type ElectrolyteId = 'llzo' | 'lgps' | 'argyrodite' | 'peo';

/** Material parameters the physics and the pack simulator need. */
export interface Electrolyte {
  id: ElectrolyteId;
  name: string;
  /** Ionic conductivity at {@link Electrolyte.sigmaRefK}, S/cm. */
  sigmaRef: number;
  /** Temperature of sigmaRef, K. */
  sigmaRefK: number;
  /** Conduction activation energy, eV (hopping form, ln(sigma T) vs 1/T). */
  eaEv: number;
  /** Shear modulus, GPa. */
  shearModulusGpa: number;
  /** Critical current density at ccdRefK and ccdRefPressureMPa, mA/cm^2. */
  ccdRef: number;
  ccdRefK: number;
  ccdRefPressureMPa: number;
  /** Exponent of the stack-pressure scaling of the CCD (see ccd.ts). */
  ccdPressureExponent: number;
  /** Activation energy of the CCD's temperature dependence, eV (see ccd.ts). */
  ccdEaEv: number;
  /** Li/electrolyte exchange current density at 298 K, mA/cm^2. */
  i0Ref: number;
  /** Chemical instability against Li metal, 0 (inert/passivating) .. 1 (continuously reacting). */
  chemicalInstability: number;
  /** Separator thickness in a cell, micrometres (assumed, typical of the class). */
  thicknessUm: number;
  /** Operating temperature the class is normally run at, degrees C. */
  operatingTempC: number;
}

/**
 * Presets. Sources:
 * - LLZO (cubic, Al/Ta-doped Li7La3Zr2O12): sigma 3e-4 S/cm at 25 C, Ea ~0.3 eV (Murugan, Thangadurai,
 *   Weppner, Angew. Chem. Int. Ed. 46, 7778 (2007); doped garnets span 0.3-0.4 eV: Thangadurai et al.,
 *   Chem. Soc. Rev. 43, 4714 (2014)). Shear modulus 59.6 GPa (Ni et al., J. Mater. Sci. 47, 7978
 *   (2012)). CCD: reported 0.05 to >1 mA/cm^2 (review: Lu et al., Adv. Funct. Mater. 31, 2009925
 *   (2021)); 0.9 mA/cm^2 for a cleaned interface is representative. i0: an interface ASR of a few
 *   ohm cm^2 after Li2CO3 removal (Sharafi et al., Chem. Mater. 29, 7961 (2017)); 2.5 mA/cm^2 (R_ct
 *   ~10 ohm cm^2) is representative. Kinetically stable against Li (Zhu, He, Mo, ACS Appl. Mater.
 *   Interfaces 7, 23685 (2015)).
 * - LGPS (Li10GeP2S12): 1.2e-2 S/cm at 27 C, Ea 0.25 eV (Kamaya et al., Nat. Mater. 10, 682 (2011)).
 *   Shear modulus ~8 GPa (first-principles, Deng et al., J. Electrochem. Soc. 163, A67 (2016);
 *   approximate). Reduced by Li to a growing mixed-conducting interphase (Wenzel et al., Solid State
 *   Ionics 286, 24 (2016)) -> chemical instability 1. CCD 0.2 mA/cm^2: assumed (low, reactive).
 * - Li6PS5Cl argyrodite: 1.3e-3 S/cm at 25 C (Boulineau et al., Solid State Ionics 221, 1 (2012));
 *   Ea ~0.35 eV (representative of 0.3-0.4 eV reports). Shear modulus ~8 GPa (sulfide class:
 *   McGrogan et al., Adv. Energy Mater. 7, 1602011 (2017); approximate). CCD of order 1 mA/cm^2
 *   at several MPa, rising with stack pressure (Kasemchainan et al., Nat. Mater. 18, 1105 (2019));
 *   1.0 at 5 MPa is representative. Forms a passivating Li2S/Li3P/LiCl interphase (Wenzel et al.,
 *   Solid State Ionics 318, 102 (2018)) -> 0.3.
 * - PEO-LiTFSI polymer: ~3e-4 S/cm at 60 C, apparent Ea ~0.5 eV above the PEO melting point
 *   (review: Xue, He, Xie, J. Mater. Chem. A 3, 19218 (2015)); NOT valid below ~55 C where
 *   crystalline PEO conducts far worse. Shear modulus ~1 MPa (order of magnitude for PEO-type
 *   polymers near 60 C; Khurana et al., J. Am. Chem. Soc. 136, 7395 (2014)). CCD 0.3 mA/cm^2 at
 *   60 C: assumed. Pressure dependence not modelled (exponent 0).
 * CCD activation energies (0.3 eV) and i0 of the sulfides/PEO are assumed; see ccd.ts.
 */
export const ELECTROLYTES: Readonly<Record<ElectrolyteId, Electrolyte>> = Object.freeze({
  llzo: {
    id: 'llzo', name: 'LLZO garnet (Li7La3Zr2O12)', sigmaRef: 3e-4, sigmaRefK: T_298, eaEv: 0.32,
    shearModulusGpa: 59.6, ccdRef: 0.9, ccdRefK: T_298, ccdRefPressureMPa: 5, ccdPressureExponent: 0.5,
    ccdEaEv: 0.3, i0Ref: 2.5, chemicalInstability: 0.1, thicknessUm: 50, operatingTempC: 25,
  },
  lgps: {
    id: 'lgps', name: 'LGPS-type sulfide (Li10GeP2S12)', sigmaRef: 1.2e-2, sigmaRefK: 300.15, eaEv: 0.25,
    shearModulusGpa: 8, ccdRef: 0.2, ccdRefK: T_298, ccdRefPressureMPa: 5, ccdPressureExponent: 0.5,
    ccdEaEv: 0.3, i0Ref: 1.0, chemicalInstability: 1, thicknessUm: 50, operatingTempC: 25,
  },
  argyrodite: {
    id: 'argyrodite', name: 'Li6PS5Cl argyrodite', sigmaRef: 1.3e-3, sigmaRefK: T_298, eaEv: 0.35,
    shearModulusGpa: 8, ccdRef: 1.0, ccdRefK: T_298, ccdRefPressureMPa: 5, ccdPressureExponent: 0.5,
    ccdEaEv: 0.3, i0Ref: 1.5, chemicalInstability: 0.3, thicknessUm: 50, operatingTempC: 25,
  },
  peo: {
    id: 'peo', name: 'PEO-LiTFSI polymer', sigmaRef: 3e-4, sigmaRefK: 333.15, eaEv: 0.5,
    shearModulusGpa: 1e-3, ccdRef: 0.3, ccdRefK: 333.15, ccdRefPressureMPa: 1, ccdPressureExponent: 0,
    ccdEaEv: 0.3, i0Ref: 1.0, chemicalInstability: 0.2, thicknessUm: 50, operatingTempC: 60,
  },
});

/** The preset ids, in a stable order. */
export const ELECTROLYTE_IDS = Object.keys(ELECTROLYTES) as ElectrolyteId[];

/** Looks a preset up by id (case-insensitive). Throws RangeError naming the valid ids if unknown. */
export function electrolyte(id: string): Electrolyte {
  const key = id.toLowerCase();
  if (!(key in ELECTROLYTES)) throw new RangeError(`unknown electrolyte '${id}' (one of: ${ELECTROLYTE_IDS.join(', ')})`);
  return ELECTROLYTES[key as ElectrolyteId];
}

/** The hopping-form Arrhenius law of a preset (prefactor in S K/cm). */
export function conductivityLaw(e: Electrolyte): ArrheniusParams {
  return { prefactor: prefactorFrom(e.sigmaRef, e.eaEv, e.sigmaRefK, 'hopping'), eaEv: e.eaEv, form: 'hopping' };
}

/** Ionic conductivity of a preset at T (K), S/cm. Throws RangeError for T <= 0. */
export function conductivityAt(e: Electrolyte, tK: number): number {
  return evaluate(conductivityLaw(e), tK);
}

/**
 * Area-specific bulk resistance L / sigma(T) of the separator, ohm cm^2.
 * Throws RangeError for T <= 0 or a non-positive thickness.
 */
export function bulkAsr(e: Electrolyte, tK: number, thicknessUm = e.thicknessUm): number {
  requireFinite('thicknessUm', thicknessUm, true);
  return (thicknessUm * 1e-4) / conductivityAt(e, tK);
}
