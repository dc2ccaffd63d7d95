#!/usr/bin/env nextflow
/*
 * landscape: the representation landscape of few-shot learning and fine-tuning in LLMs (Doimo et al., NeurIPS 2024).
 *
 *   models × shots → EXTRACT (gpu) → fromRepresentations → ANALYZE, one task per extraction point (cpu)
 *                  → SUMMARIZE per (model, shots) → PLOT
 *
 *   ./landscape run -profile test                                      the demo (tiny random model, ~1 minute)
 *   ./landscape run -profile slurm --models models.csv --dataset mmlu  a sweep on a cluster (docs/PIPELINE.md)
 *
 * Parameters: nextflow.config (defaults) and nextflow_schema.json (descriptions; the nf-landscape plugin validates
 * params against it before anything runs).
 */

include { fromRepresentations } from 'plugin/nf-landscape'

include { MAKE_TINY_MODEL } from './modules/make_tiny_model'
include { EXTRACT         } from './modules/extract'
include { ANALYZE         } from './modules/analyze'
include { SUMMARIZE       } from './modules/summarize'
include { PLOT            } from './modules/plot'

workflow {
    ch_versions = channel.empty()
    mask        = params.mask ? file(params.mask, checkIfExists: true) : []

    if (params.representations) {
        // analyse existing representation dirs (this project's or the reference pipeline's): no extraction
        points = channel.fromRepresentations(params.representations)
            .map { meta, layer -> [meta + [type: typeOfPath(meta.run)], layer] }
            .filter { meta, layer -> meta.layer >= params.first_layer }
            .toList()
            .flatMap { items -> withRunSizes(items) }
    }
    else {
        if (params.tiny_model) {
            MAKE_TINY_MODEL(channel.of('tiny-llama'))
            ch_versions = ch_versions.mix(MAKE_TINY_MODEL.out.versions)
            models = MAKE_TINY_MODEL.out.model
                .map { name, dir -> [[model: name, type: 'pretrained', adapter: null], dir, []] }
        }
        else {
            models = channel.fromList(modelList(params.models))
        }
        shots  = channel.fromList(shotList(params.shots))

        runs = models.combine(shots).map { meta, modelDir, adapter, k ->
            [meta + [shots: k, split: params.split], modelDir, adapter]
        }
        EXTRACT(runs, file(params.dataset, checkIfExists: true))
        ch_versions = ch_versions.mix(EXTRACT.out.versions.first())

        // run-level meta (type, adapter ...) by run directory, with the number of points the run will analyse
        runMeta = EXTRACT.out.dir.map { meta, dir ->
            [dir.toString(), meta + [points: analysedPoints(dir, params.first_layer)]]
        }
        points = channel.fromRepresentations(EXTRACT.out.dir.map { meta, dir -> dir })
            .filter { meta, layer -> meta.layer >= params.first_layer }
            .map { meta, layer -> [meta.run, meta, layer] }
            .combine(runMeta, by: 0)
            .map { run, meta, layer, rmeta -> [rmeta + meta, layer] }
    }

    // a run that would end without figures (every point below --first_layer, or --layers 0) stops with the reason
    points = points.ifEmpty {
        error "nothing to analyse: no extraction point with index >= --first_layer ${params.first_layer} (check --layers and --first_layer)"
    }

    ANALYZE(points.map { meta, layer -> [meta, layer, file(meta.run)] }, mask)
    ch_versions = ch_versions.mix(ANALYZE.out.versions.first())

    // one SUMMARIZE per (model, shots) as soon as that run's layers are done
    perRun = ANALYZE.out.stats
        .map { meta, stats ->
            def key = meta.subMap('model', 'type', 'adapter', 'split', 'shots')
            [groupKey(key, meta.points as int), stats]
        }
        .groupTuple()
        .map { key, stats -> [key.target, stats.sort { it.name }] }
    SUMMARIZE(perRun)
    ch_versions = ch_versions.mix(SUMMARIZE.out.versions.first())

    PLOT(SUMMARIZE.out.json.map { meta, json -> json }.collect(sort: { it.name }))
    ch_versions = ch_versions.mix(PLOT.out.versions)

    ch_versions
        .unique()
        .collectFile(name: 'software_versions.yml', storeDir: "${params.outdir}/pipeline_info", sort: true, newLine: true)
}

workflow.onComplete {
    if (workflow.success) {
        log.info "landscape: figures and report in ${file(params.outdir).toUriString()}/figures"
    }
}

/*
 * [meta, modelDir, adapterDir-or-[]] per model. meta: model (name), type (pretrained | finetuned), adapter (name or null).
 * models: a path, a list, a comma-separated string, or a CSV sheet with header name,path[,adapter].
 */
def modelList(models) {
    if (!models) {
        error "Give --models (a model directory, a list, or a CSV sheet name,path[,adapter]), --tiny_model, or --representations"
    }
    def entries = []
    def items = models instanceof List ? models : models.toString().tokenize(',')
    for (item in items) {
        def s = item.toString().trim()
        if (s.toLowerCase().endsWith('.csv')) {
            def sheet = file(s, checkIfExists: true)
            sheet.splitCsv(header: true).each { row ->
                def adapter = row.adapter?.trim() ? file(row.adapter.trim(), checkIfExists: true) : null
                entries << [row.name?.trim() ?: file(row.path.trim()).name, file(row.path.trim(), checkIfExists: true), adapter]
            }
        }
        else {
            def dir = file(s, checkIfExists: true)
            entries << [dir.name, dir, null]
        }
    }
    def names = entries.collect { it[0] }
    def dup = names.find { n -> names.count(n) > 1 }
    if (dup) {
        error "--models: model name '${dup}' is used twice; give each model a distinct name (CSV sheet: name,path[,adapter])"
    }
    entries.collect { name, dir, adapter ->
        def meta = [model: name, type: adapter ? 'finetuned' : 'pretrained', adapter: adapter ? adapter.name : null]
        [meta, dir, adapter ?: []]
    }
}

/* --shots as a list: [0,1,2,5] from the config, 5 or "0,5" from the command line. */
def shotList(shots) {
    def list = shots instanceof List ? shots : shots.toString().tokenize(',')
    list.collect { it.toString().trim() as int }.unique().sort()
}

/* Number of extraction points with index >= firstLayer listed in a representation dir's manifest.json. */
def analysedPoints(dir, firstLayer) {
    def manifest = new groovy.json.JsonSlurper().parse(dir.resolve('manifest.json').toFile())
    manifest.points.count { (it.index as int) >= (firstLayer as int) }
}

/* For --representations: attach to every point the number of points of its run (all exist at start). */
def withRunSizes(items) {
    def sizes = items.countBy { it[0].run }
    items.collect { meta, layer -> [meta + [points: sizes[meta.run]], layer] }
}

/* pretrained | finetuned from a representation dir's path (the published layout has the word in it). */
def typeOfPath(run) {
    run.toString().contains('/finetuned/') ? 'finetuned' : 'pretrained'
}
