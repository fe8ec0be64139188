/**
 * What one chart shows, as data: the page's script hands it to Chart.js. Built here (typed, tested)
 * so the browser side stays a few lines that only draw.
 */
export interface ChartSpec {
  type: 'bar' | 'line';
  labels: string[];
  datasets: {
    label: string;
    data: number[];
    type?: 'bar' | 'line';
    /** Datasets with the same stack are stacked on each other. */
    stack?: string;
    /** 'y2': the right-hand axis. */
    yAxisID?: 'y' | 'y2';
  }[];
  x: string;
  y: string;
  /** Title of the right-hand axis, when a dataset uses it. */
  y2?: string;
  stacked?: boolean;
  /** Bars across (labels on the y axis). */
  horizontal?: boolean;
}
