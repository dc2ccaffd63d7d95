/** The inputs of an extraction: MMLU (CSV or parquet), JSONL prompts, and the few-shot prompt template. */
package landscape.extract.data;
