/** Where a dataset's files are: the MMLU layouts (Hendrycks CSV, cais/mmlu parquet) and their splits. */
package landscape.core.data;
