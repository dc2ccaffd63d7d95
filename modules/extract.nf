include { shellQuote; shellArgs } from 'plugin/nf-landscape'

/*
 * EXTRACT: one forward pass per prompt of (dataset, split, shots) through one model; writes a representation
 * directory (manifest.json, samples.csv, one l<i>.safetensors per extraction point), named <k>shot.
 * Label gpu, with task.ext.gpus GPUs (meta.gpus: --gpus_per_extract, or the model's plan; 0 on the CPU). Options
 * (device, devices, placement and memory budgets, the budgets halved per out-of-memory retry, --limit, --layers) and
 * the JVM options come from task.ext in conf/modules.config.
 *
 * Inputs are staged under fixed names (model, adapter, dataset): a folder's name never reaches the script, and every
 * other value is a shell word (shellQuote / shellArgs), so a name such as m$(touch x) runs nothing.
 */
process EXTRACT {
    tag "${meta.model} ${meta.shots}shot${meta.gpus ? " ${meta.gpus} GPU" + (meta.gpus == 1 ? '' : 's') : ''}"
    label 'gpu'

    input:
    tuple val(meta), path(model, stageAs: 'model'), path(adapter, stageAs: 'adapter')
    path dataset, stageAs: 'dataset'

    output:
    tuple val(meta), path("${meta.shots}shot"), emit: dir
    path 'versions.yml'                       , emit: versions

    script:
    def args       = shellArgs(task.ext.args)
    // real paths, not the task's staging links, so the manifest's provenance is the same for every run
    def adapterArg = adapter ? '--adapter "$(readlink -f adapter)"' : ''
    """
    # ${task.ext.tool ?: ''}: -resume re-runs this task when the tool's code changes (conf/modules.config)
    export OMP_NUM_THREADS=${task.cpus}
    export LANDSCAPE_JAVA_OPTS="${task.ext.java_opts ?: ''} \${LANDSCAPE_JAVA_OPTS:-}"
    landscape-extract run \\
        --model "\$(readlink -f model)" \\
        --model-id ${shellQuote(meta.model)} \\
        ${adapterArg} \\
        --dataset "\$(readlink -f dataset)" \\
        --split ${shellQuote(meta.split)} \\
        --shots ${meta.shots as int} \\
        ${args} \\
        --out ${meta.shots as int}shot

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        landscape-extract: \$(landscape-extract --version 2>/dev/null | head -n 1 | sed 's/^[^0-9]*//')
    END_VERSIONS
    """

    stub:
    def args  = shellArgs(task.ext.args)
    def model = shellQuote(meta.model)
    def split = shellQuote(meta.split)
    """
    # ${task.ext.tool ?: ''}: -resume re-runs this task when the tool's code changes (conf/modules.config)
    # the options the script would pass, one per line (stub runs check the wiring with them)
    printf '%s\\n' ${args} > extract-args.txt

    # a valid, tiny representation dir (6 points of zeros, 8 rows × 4 dims): enough for the plugin to scan
    out=${meta.shots as int}shot
    mkdir -p \$out
    echo "row,dataset_index,subject,answer,prediction,constrained_prediction,n_tokens" > \$out/samples.csv
    for r in 0 1 2 3 4 5 6 7; do echo "\$r,\$r,stub_subject,A,A,A,10" >> \$out/samples.csv; done
    points=""
    for i in 0 1 2 3 4 5; do
        header='{"layer":{"dtype":"F32","shape":[8,4],"data_offsets":[0,128]}}'
        printf "\\x\$(printf %02x \${#header})\\x00\\x00\\x00\\x00\\x00\\x00\\x00" > \$out/l\$i.safetensors
        printf '%s' "\$header" >> \$out/l\$i.safetensors
        head -c 128 /dev/zero >> \$out/l\$i.safetensors
        points="\$points\${points:+,}"'{"index":'\$i',"module":"stub.'\$i'","file":"l'\$i'.safetensors","rows":8,"dim":4,"dtype":"F32"}'
    done
    model=${model}
    split=${split}
    cat > \$out/manifest.json <<-END_MANIFEST
    {"format": "landscape-representations", "format_version": 1, "model": {"id": "\$model"},
     "adapter": ${adapter ? '"adapter"' : 'null'}, "split": "\$split", "shots": ${meta.shots as int}, "rows": 8,
     "points": [\$points]}
    END_MANIFEST

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        landscape-extract: stub
    END_VERSIONS
    """
}
