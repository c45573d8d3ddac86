/**
 * Physical constants used by the electrochemistry models (SI unless a name says otherwise).
 *
 * Source: CODATA 2018 recommended values (Tiesinga et al., Rev. Mod. Phys. 93, 025010, 2021);
 * since the 2019 SI redefinition F, R and k_B are exact.
 */

/** Faraday constant, C/mol (exact, CODATA 2018). */
export const FARADAY = 96485.33212;
/** Molar gas constant, J/(mol K) (exact, CODATA 2018). */
export const GAS_CONSTANT = 8.314462618;
/** Boltzmann constant in eV/K (CODATA 2018: 8.617333262e-5). */
export const BOLTZMANN_EV = 8.617333262e-5;
/** 25 degrees Celsius in kelvin. */
export const T_298 = 298.15;
/**
 * Molar volume of lithium metal, m^3/mol: M = 6.94 g/mol over density 0.534 g/cm^3
 * (CRC Handbook of Chemistry and Physics) gives 13.0 cm^3/mol.
 */
export const LI_MOLAR_VOLUME = 6.94 / 0.534 * 1e-6;
/** Shear modulus of lithium metal, GPa, as used by Monroe & Newman, J. Electrochem. Soc. 152, A396 (2005). */
export const LI_SHEAR_MODULUS_GPA = 4.25;

/**
 * Throws a RangeError unless `x` is a finite number, optionally strictly positive.
 * Shared by the physics modules so that every bad parameter fails the same way.
 */
export function requireFinite(name: string, x: number, positive = false): void {
  if (!Number.isFinite(x)) throw new RangeError(`${name} must be a finite number, got ${x}`);
  if (positive && !(x > 0)) throw new RangeError(`${name} must be > 0, got ${x}`);
}
