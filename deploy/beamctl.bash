# SPDX-License-Identifier: BSD-3-Clause
# bash completion for beamctl(8). Installed as
# share/bash-completion/completions/beamctl; bash-completion loads it the first
# time `beamctl` is completed. It stands alone (no bash-completion helpers),
# so `source` also works in a shell without that package.
#
# The words are beamctl's grammar (`beamctl --help`, docs/cli.md): commands,
# their subcommands and the NAME VALUE pairs that follow. Nothing here asks the
# daemon (a completion must not hang on a busy socket), so process names and
# route keys are not offered. tests/deploy/test_install.sh checks that every
# command of `beamctl --help` is offered.

_beamctl()
{
	local cur=${COMP_WORDS[COMP_CWORD]}
	local prev=
	[ "$COMP_CWORD" -gt 0 ] && prev=${COMP_WORDS[COMP_CWORD - 1]}
	local opts='-s --socket -j --json -p --pretty -t --timeout -r --raw -h --help'
	local cmds='help status ports stats neigh route spawn kill exit send call link unlink monitor trap_exit info ps memory lcores latency group table sup crashes top behaviours load upgrade unload cluster global'
	local behaviours='counter relay forward fault echo ratelimit breaker batch ets_counter'
	COMPREPLY=()

	# The value of an option that takes one.
	case $prev in
	-s | --socket)
		_beamctl_files "$cur"
		return
		;;
	-t | --timeout | -r | --raw)
		return
		;;
	esac

	# The command words so far: everything after the options (and their values).
	local i=1 w
	local -a words=()
	while [ "$i" -lt "$COMP_CWORD" ]; do
		w=${COMP_WORDS[i]}
		if [ ${#words[@]} -eq 0 ]; then
			case $w in
			-s | --socket | -t | --timeout | -r | --raw)
				i=$((i + 2))
				continue
				;;
			-*)
				i=$((i + 1))
				continue
				;;
			esac
		fi
		words+=("$w")
		i=$((i + 1))
	done
	local n=${#words[@]}

	if [ "$n" -eq 0 ]; then
		case $cur in
		-*) mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur") ;;
		*) mapfile -t COMPREPLY < <(compgen -W "$cmds" -- "$cur") ;;
		esac
		return
	fi

	# Pairs NAME VALUE: a value after a name that takes one.
	local cand=
	case "${words[0]}" in
	route)
		if [ "$n" -eq 1 ]; then
			cand='add del list count batch'
		else
			case "${words[1]}" in
			add)
				if [ "$n" -eq 2 ]; then
					cand='default'
				elif [ "$n" -eq 3 ]; then
					cand='drop port process group pool'
				elif [ "${words[3]}" = port ]; then
					case $prev in
					port | mac | ip | udp) ;;
					*) cand=$(_beamctl_unused "mac ip udp --cluster" "${words[@]:3}") ;;
					esac
				elif [ "${words[3]}" = drop ] && [ "$n" -eq 4 ]; then
					cand='--cluster' # to etcd: every node of the cluster
				elif [ "$n" -ge 5 ]; then
					cand='--cluster'
				fi
				;;
			del)
				[ "$n" -ge 3 ] && cand='--cluster'
				;;
			list)
				case $prev in
				limit | cursor) ;;
				*) cand=$(_beamctl_unused "limit cursor" "${words[@]:2}") ;;
				esac
				;;
			batch)
				[ "$n" -eq 2 ] && _beamctl_files "$cur"
				return
				;;
			esac
		fi
		;;
	spawn)
		if [ "$n" -eq 1 ]; then
			cand=$behaviours
		else
			case $prev in
			lcore) cand='any' ;;
			overflow) cand='drop_newest drop_oldest kill' ;;
			name | group | count | mailbox_limit | heap_limit) ;;
			*) cand='name lcore group count mailbox_limit heap_limit overflow' ;;
			esac
		fi
		;;
	exit)
		[ "$n" -eq 2 ] && cand='normal shutdown kill'
		;;
	ps | top | crashes)
		case $prev in
		--sort) cand='memory mailbox reductions binary' ;; # top sorts as ps does
		--top | --lcore | --iterations | --interval) ;;
		*)
			case "${words[0]}" in
			ps) cand='--sort --top --lcore' ;;
			top) cand='--sort --top --iterations --interval' ;;
			crashes) cand='--top' ;;
			esac
			;;
		esac
		;;
	latency)
		[ "$n" -eq 1 ] && cand='--reset'
		;;
	load)
		# A behaviour module: a file.
		if [ "$n" -eq 1 ]; then
			_beamctl_files "$cur"
			return
		fi
		;;
	upgrade)
		# A new version of a loaded behaviour's module, --purge and --lazy.
		if [ "$n" -le 3 ]; then
			if [[ "$cur" == -* ]]; then
				cand='--purge --lazy'
			else
				_beamctl_files "$cur"
				return
			fi
		fi
		;;
	group)
		[ "$n" -eq 1 ] && cand='join leave list'
		;;
	table)
		[ "$n" -eq 1 ] && cand='list info get'
		;;
	global)
		[ "$n" -eq 1 ] && cand='register unregister group ungroup list'
		;;
	sup)
		if [ "$n" -eq 1 ]; then
			cand='new child start stop tree'
		else
			case "${words[1]}" in
			new)
				case $prev in
				strategy) cand='one_for_one one_for_all rest_for_one' ;;
				restart) cand='permanent transient temporary' ;;
				shutdown) cand='infinity' ;;
				intensity | period | parent) ;;
				*) [ "$n" -ge 3 ] && cand='strategy intensity period parent restart shutdown' ;;
				esac
				;;
			child)
				if [ "$n" -eq 4 ]; then
					cand=$behaviours
				elif [ "$n" -ge 5 ]; then
					case $prev in
					lcore) cand='any' ;;
					restart) cand='permanent transient temporary' ;;
					shutdown) cand='brutal infinity' ;;
					name) ;;
					*) cand='name lcore restart shutdown' ;;
					esac
				fi
				;;
			esac
		fi
		;;
	esac
	[ -n "$cand" ] && mapfile -t COMPREPLY < <(compgen -W "$cand" -- "$cur")
}

# _beamctl_files PREFIX: file names (a socket, a batch file; - is stdin).
_beamctl_files()
{
	compopt -o filenames 2>/dev/null
	mapfile -t COMPREPLY < <(compgen -f -- "$1")
}

# _beamctl_unused CANDIDATES WORD...: the candidates not among the words.
_beamctl_unused()
{
	local cands=$1 c w out=
	shift
	for c in $cands; do
		for w in "$@"; do
			[ "$w" = "$c" ] && continue 2
		done
		out="$out $c"
	done
	echo "$out"
}

complete -F _beamctl beamctl
