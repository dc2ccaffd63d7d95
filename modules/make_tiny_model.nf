include { shellQuote; shellArgs } from 'plugin/nf-landscape'

/*
 * MAKE_TINY_MODEL: a random-weight Llama in the Hugging Face layout (config.json, model.safetensors,
 * tokenizer.json) for the test profile and the demo. Label small. Shape and seed come from task.ext.args
 * (conf/test.config).
 */
process MAKE_TINY_MODEL {
    tag "${name}"
    label 'small'

    input:
    val name

    output:
    tuple val(name), path("${name}"), emit: model
    path 'versions.yml'             , emit: versions

    script:
    def args = shellArgs(task.ext.args)
    """
    # ${task.ext.tool ?: ''}: -resume re-runs this task when the tool's code changes (conf/modules.config)
    landscape-extract make-tiny-model --out ${shellQuote(name)} ${args}

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        landscape-extract: \$(landscape-extract --version 2>/dev/null | head -n 1 | sed 's/^[^0-9]*//')
    END_VERSIONS
    """

    stub:
    def dir = shellQuote(name)
    """
    # ${task.ext.tool ?: ''}: -resume re-runs this task when the tool's code changes (conf/modules.config)
    mkdir -p ${dir}
    echo '{"architectures": ["LlamaForCausalLM"], "num_hidden_layers": 4}' > ${dir}/config.json
    echo '{}' > ${dir}/tokenizer.json
    touch ${dir}/model.safetensors

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        landscape-extract: stub
    END_VERSIONS
    """
}
