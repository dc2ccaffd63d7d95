// Parameter validation by the nf-landscape plugin: including it checks params against nextflow_schema.json in
// this folder before any task is submitted. Used by PluginPipelineTest; not part of the pipeline.
include { layerInfo } from 'plugin/nf-landscape'

params.models = null
params.shots = [0, 1]
params.dataset = null
params.split = 'test'
params.outdir = 'out'
params.maxk = 10

process TOUCH {
    input:
    val shots

    output:
    path 'done.txt'

    script:
    """
    echo ${shots} > done.txt
    """
}

workflow {
    TOUCH(channel.fromList(params.shots instanceof List ? params.shots : params.shots.toString().tokenize(',')))
        .collectFile(name: 'done.txt', storeDir: params.outdir)
}
