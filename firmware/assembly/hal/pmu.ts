// HAL: power management.

/** Sleeps until the board clock reaches `ms`, or until an interrupt (UART RX) wakes the core. */
@external("hal", "pmu_sleep_until")
export declare function pmu_sleep_until(ms: f64): void;

/** Energy used since boot, in microjoules, accounted from the board's PMU mode currents. */
@external("hal", "pmu_energy_uj")
export declare function pmu_energy_uj(): f64;
