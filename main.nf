#!/usr/bin/env nextflow
/*
 * landscape: the representation landscape of few-shot learning and fine-tuning in LLMs (Doimo et al., NeurIPS 2024).
 *
 *   ./landscape run -profile test                                      the demo (tiny random model, ~1 minute)
 *   ./landscape run -profile slurm --models models.csv --dataset mmlu  a sweep on a cluster (docs/PIPELINE.md)
 *   ./landscape run --help                                             the parameters (nextflow_schema.json)
 *
 * The workflow is workflows/landscape.nf; one process per file in modules/; resources in conf/base.config, tool
 * options and publishing in conf/modules.config. The nf-landscape plugin checks params against nextflow_schema.json
 * before anything runs.
 */

include { LANDSCAPE } from './workflows/landscape'

workflow {
    LANDSCAPE()
}

workflow.onComplete {
    if (workflow.success) {
        log.info "landscape: figures and report in ${file(params.outdir).toUriString()}/figures"
    }
}
