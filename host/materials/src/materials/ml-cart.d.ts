/**
 * Minimal type declarations for ml-cart 2.1.1 (the package ships none). Only the regression
 * tree surface used by the materials baselines is declared; signatures follow the JSDoc in
 * `node_modules/ml-cart/src/DecisionTreeRegression.js`.
 */
declare module 'ml-cart' {
  /** Options of a CART regression tree. */
  export interface DecisionTreeRegressionOptions {
    gainFunction?: 'regression';
    splitFunction?: 'mean';
    /** A node with this many samples or fewer becomes a leaf (default 3). */
    minNumSamples?: number;
    /** Maximum depth (default Infinity). */
    maxDepth?: number;
  }
  /** CART regression tree (mean-split, squared-error gain). */
  export class DecisionTreeRegression {
    constructor(options?: DecisionTreeRegressionOptions);
    /** Reload a tree from {@link DecisionTreeRegression.toJSON} output (`options === true`). */
    constructor(options: true, model: unknown);
    train(trainingSet: number[][], trainingValues: number[]): void;
    predict(toPredict: number[][]): number[];
    toJSON(): unknown;
    static load(model: unknown): DecisionTreeRegression;
  }
}
