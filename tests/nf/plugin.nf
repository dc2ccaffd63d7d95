// Exercises the nf-landscape plugin on representation directories: the factory fromRepresentations, and
// layerInfo inside a memory directive. Used by PluginPipelineTest (pipeline-tests); not part of the pipeline.
include { fromRepresentations; layerInfo } from 'plugin/nf-landscape'

params.reps = null
params.layers = null
params.from_channel = false
params.outdir = 'out'

process POINT {
    tag "${meta.model}/${meta.shots}shot/l${meta.layer}"
    // 64 MB plus 4 bytes per byte of the layer, from its header only
    memory { "${64 + 4 * ((layerInfo(layer)[3] as long).intdiv(1024 * 1024))} MB" }

    input:
    tuple val(meta), path(layer)

    output:
    path 'point.csv'

    script:
    def info = layerInfo(layer)
    """
    echo "${meta.model},${meta.shots},${meta.split},${meta.layer},${meta.module},${meta.rows},${meta.dim},${meta.dtype},${meta.run},${layer.name},${info.join(':')},${task.memory.toMega()}" > point.csv
    """
}

workflow {
    if (!params.reps) {
        error "give --reps <path or glob>"
    }
    def source = params.from_channel ? channel.fromPath(params.reps, type: 'dir') : params.reps
    def points = params.layers != null
        ? channel.fromRepresentations(source, layers: params.layers.toString().tokenize(',')*.toInteger())
        : channel.fromRepresentations(source)
    POINT(points)
        .collectFile(name: 'points.csv', storeDir: params.outdir, sort: true)
}
