/*
 * LANDSCAPE: models × shots → EXTRACT (gpu) → fromRepresentations → ANALYZE, one task per extraction point (cpu)
 *            → SUMMARIZE per (model, shots) → PLOT.  With --representations, existing runs go straight to ANALYZE.
 *            With --gpus_per_extract auto (on GPUs), a PLAN per model first sets the GPUs of its EXTRACT jobs.
 *
 * The workflow reads params; the modules do not (their options come from task.ext in conf/modules.config). The
 * models come from the plugin's modelsToList (the sheet read against assets/schema_models.json), the points from
 * its fromRepresentations, whose meta carries what the rest needs: model, shots, split, layer, type (pretrained or
 * finetuned), points (how many points of the run are analysed), and the run directory as the item's third element.
 * EXTRACT's meta also carries gpus, the GPUs its job requests (conf/modules.config, conf/slurm.config): 0 on the CPU,
 * --gpus_per_extract, or, with auto, the model's plan (plugin extractGpus and planGpus, core's GpuRequest).
 */
include { fromRepresentations; modelsToList; extractGpus; planGpus } from 'plugin/nf-landscape'

include { MAKE_TINY_MODEL } from '../modules/make_tiny_model'
include { PLAN            } from '../modules/plan'
include { EXTRACT         } from '../modules/extract'
include { ANALYZE         } from '../modules/analyze'
include { SUMMARIZE       } from '../modules/summarize'
include { PLOT            } from '../modules/plot'

workflow LANDSCAPE {
    main:
    ch_versions = channel.empty()
    mask        = params.mask ? file(params.mask, checkIfExists: true) : []
    sheetSchema = "${projectDir}/assets/schema_models.json"

    if (params.representations) {
        // analyse existing representation dirs (this project's or the reference pipeline's): no extraction
        points = channel.fromRepresentations(params.representations, min_layer: params.first_layer, run: true)
    }
    else {
        if (params.tiny_model) {
            MAKE_TINY_MODEL(channel.of('tiny-llama'))
            ch_versions = ch_versions.mix(MAKE_TINY_MODEL.out.versions)
            models = MAKE_TINY_MODEL.out.model.flatMap { name, dir -> modelsToList(dir.toString(), sheetSchema) }
        }
        else {
            models = channel.fromList(modelsToList(params.models, sheetSchema))
        }

        // the GPUs of each model's EXTRACT jobs: 0 on the CPU, --gpus_per_extract, or (auto) from the model's plan
        gpus = extractGpus(params.device, params.devices, params.gpus_per_extract)
        if (gpus == null) {
            PLAN(models.map { meta, modelDir, adapter -> [meta, modelDir] })
            ch_versions = ch_versions.mix(PLAN.out.versions.first())
            // every plan before any EXTRACT: a model that fits nowhere stops the run before a GPU job is submitted
            planned = PLAN.out.json
                .map { meta, json -> [meta.model, planGpus(json, params.placement)] }
                .toSortedList { a, b -> a[0] <=> b[0] }
                .map { pairs ->
                    pairs.each { name, n -> log.info "landscape: ${name}: ${n} GPU${n == 1 ? '' : 's'} per EXTRACT job (plan, --placement ${params.placement})" }
                    pairs.collectEntries()
                }
            models = models.combine(planned).map { meta, modelDir, adapter, byModel ->
                [meta + [gpus: byModel[meta.model]], modelDir, adapter]
            }
        }
        else {
            models = models.map { meta, modelDir, adapter -> [meta + [gpus: gpus], modelDir, adapter] }
        }
        // --shots: a list from a config, a number or "0,5" from the command line
        shots = channel.fromList((params.shots instanceof List ? params.shots : params.shots.toString().tokenize(','))
            .collect { it.toString().trim() as int }.unique())

        runs = models.combine(shots).map { meta, modelDir, adapter, k ->
            [meta + [shots: k, split: params.split], modelDir, adapter]
        }
        EXTRACT(runs, file(params.dataset, checkIfExists: true))
        ch_versions = ch_versions.mix(EXTRACT.out.versions.first())

        // a run with no point at or above --first_layer stops the run with the reason (in the plugin)
        points = channel.fromRepresentations(EXTRACT.out.dir.map { meta, dir -> dir }, min_layer: params.first_layer, run: true)
    }

    // ANALYZE's meta leaves out the run's point count: which other points are analysed (--first_layer) does not
    // change one point's statistics, so it must not change the task's hash (-resume)
    ANALYZE(points.map { meta, layer, run -> [meta.findAll { k, v -> k != 'points' }, layer, run] }, mask)
    ch_versions = ch_versions.mix(ANALYZE.out.versions.first())

    // one SUMMARIZE per run as soon as its layers are done (the count of its points joined back by run)
    pointCounts = points.map { meta, layer, run -> [meta.run, meta.points as int] }.unique()
    perRun = ANALYZE.out.stats
        .map { meta, stats -> [meta.run, meta, stats] }
        .combine(pointCounts, by: 0)
        .map { run, meta, stats, n -> [groupKey(meta.subMap('model', 'type', 'split', 'shots', 'run'), n), stats] }
        .groupTuple()
        .map { key, stats -> [key.target, stats.sort { it.name }] }
    SUMMARIZE(perRun)
    ch_versions = ch_versions.mix(SUMMARIZE.out.versions.first())

    PLOT(SUMMARIZE.out.json.map { meta, json -> json }.collect(sort: { it.name }))
    ch_versions = ch_versions.mix(PLOT.out.versions)

    ch_versions
        .unique()
        .collectFile(name: 'software_versions.yml', storeDir: "${params.outdir}/pipeline_info", sort: true, newLine: true)

    emit:
    figures = PLOT.out.figures
}
